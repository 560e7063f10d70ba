/**
 * What a caller should do with a failed request:
 * - `retry_now`: transient; retry the same message with backoff (and the suggested delay, if any).
 * - `retry_later`: retry much later or after an operator acts (quality, billing, auth, policy).
 * - `permanent`: this message will never succeed; do not retry.
 * - `ambiguous`: the request may have reached Meta and the message may have gone out (timeout or
 *   connection loss after sending); retrying risks a duplicate, since the API has no idempotency key.
 */
export type ErrorClass = 'retry_now' | 'retry_later' | 'permanent' | 'ambiguous'

/** One row of the classification table: a Graph error code (or an inclusive range) and its class. */
export interface ErrorClassRow {
  code: number
  /** Last code of an inclusive range starting at `code` (200–299 are the permission errors). */
  codeTo?: number
  class: Exclude<ErrorClass, 'ambiguous'>
  /** Suggested wait before the next attempt, ms; 131056 is computed per attempt instead (4^x s). */
  retryAfterMs?: number
  reason: string
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/**
 * The one classification table, keyed on `error.code` (never on the HTTP status), from the three lists
 * in the fact sheet section 6 (derived from Meta's error-code page; Meta publishes no such list).
 */
export const ERROR_CLASS_TABLE: readonly ErrorClassRow[] = [
  // Retry with backoff, same message.
  { code: 1, class: 'retry_now', reason: 'API unknown, possible server error' },
  { code: 2, class: 'retry_now', reason: 'temporary downtime or overload' },
  { code: 4, class: 'retry_now', retryAfterMs: MINUTE, reason: 'app rate limit (calls per hour)' },
  { code: 80007, class: 'retry_now', retryAfterMs: MINUTE, reason: 'WABA rate limit' },
  { code: 130429, class: 'retry_now', retryAfterMs: 1000, reason: 'phone number throughput reached; throttle the whole number' },
  { code: 131056, class: 'retry_now', reason: 'pair rate limit; back off this recipient only, 4^x s' },
  { code: 131000, class: 'retry_now', reason: 'something went wrong; try again' },
  { code: 131016, class: 'retry_now', reason: 'service unavailable' },
  { code: 133004, class: 'retry_now', reason: 'server temporarily unavailable' },
  { code: 131057, class: 'retry_now', retryAfterMs: MINUTE, reason: 'maintenance mode (throughput upgrade); ~1 min' },
  // Retry much later or after an operator action.
  { code: 131048, class: 'retry_later', retryAfterMs: HOUR, reason: 'spam rate limit (quality); back off for hours' },
  { code: 131049, class: 'retry_later', retryAfterMs: 24 * HOUR, reason: 'per-user marketing limit; wait at least 24 h' },
  { code: 131064, class: 'retry_later', reason: 'template-classification enforcement period' },
  { code: 131042, class: 'retry_later', reason: 'payment problem; fix billing' },
  { code: 368, class: 'retry_later', reason: 'temporarily blocked for policy violations' },
  { code: 131031, class: 'retry_later', reason: 'account locked (integrity)' },
  { code: 130497, class: 'retry_later', reason: 'business restricted from messaging users in this country' },
  { code: 0, class: 'retry_later', reason: 'AuthException; refresh the token' },
  { code: 3, class: 'retry_later', reason: 'capability or permission missing' },
  { code: 10, class: 'retry_later', reason: 'permission denied' },
  { code: 190, class: 'retry_later', reason: 'access token expired or invalid' },
  { code: 200, codeTo: 299, class: 'retry_later', reason: 'API permission errors' },
  { code: 131045, class: 'retry_later', reason: 'phone number not registered (certificate)' },
  { code: 133010, class: 'retry_later', reason: 'phone number not registered' },
  { code: 132015, class: 'retry_later', reason: 'template paused for low quality' },
  // Permanent for this message.
  { code: 100, class: 'permanent', reason: 'invalid parameter' },
  { code: 131008, class: 'permanent', reason: 'required parameter missing' },
  { code: 131009, class: 'permanent', reason: 'parameter value invalid' },
  { code: 135000, class: 'permanent', reason: 'generic user error' },
  { code: 131021, class: 'permanent', reason: 'sender and recipient are the same' },
  { code: 131026, class: 'permanent', reason: 'message undeliverable (not on WhatsApp, ToS, old client)' },
  { code: 131047, class: 'permanent', reason: 'outside the 24 h window; send a template' },
  { code: 131050, class: 'permanent', reason: 'user stopped marketing messages' },
  { code: 130403, class: 'permanent', reason: 'recipient blocked by the business' },
  { code: 130472, class: 'permanent', reason: 'user is part of an experiment' },
  { code: 131051, class: 'permanent', reason: 'unsupported message type' },
  { code: 131053, class: 'permanent', reason: 'media upload error' },
  { code: 132000, class: 'permanent', reason: 'template parameter count mismatch' },
  { code: 132001, class: 'permanent', reason: 'template does not exist' },
  { code: 132005, class: 'permanent', reason: 'translated text too long' },
  { code: 132007, class: 'permanent', reason: 'template format character policy violated' },
  { code: 132012, class: 'permanent', reason: 'template parameter format mismatch' },
  { code: 132016, class: 'permanent', reason: 'template disabled' },
  { code: 132018, class: 'permanent', reason: 'template parameter problem' },
  { code: 131037, class: 'permanent', reason: 'display name not approved' },
  { code: 131063, class: 'permanent', reason: 'marketing messages disabled on Cloud API' },
  { code: 131052, class: 'permanent', reason: 'media download failed (over 100 MB)' }
]

const exact = new Map<number, ErrorClassRow>()
const ranges: ErrorClassRow[] = []
for (const row of ERROR_CLASS_TABLE) {
  if (row.codeTo === undefined) exact.set(row.code, row)
  else ranges.push(row)
}

/** The table row for a Graph error code, or undefined when the code is not listed. */
export function findErrorClassRow (code: number): ErrorClassRow | undefined {
  return exact.get(code) ?? ranges.find((r) => code >= r.code && code <= (r.codeTo ?? r.code))
}
