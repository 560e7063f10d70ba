import { findErrorCatalogueEntry, type ErrorCatalogueEntry, type FailureScope, type RetryBackoff } from './error-catalogue.ts'
import type { GraphError } from './outcome.ts'

/** The Graph error code of the pair rate limit; its delay grows per attempt. */
export const PAIR_RATE_LIMIT_CODE = 131056

/** Meta's advice on 131056: retry after 4^x seconds, x = 0, 1, 2 … (capped at x = 8, about 18 h). */
export function pairRateRetryDelayMs (attempt: number): number {
  const x = Math.min(Math.max(0, Math.floor(attempt)), 8)
  return 4 ** x * 1000
}

/**
 * What to do with a failed send:
 * - `retry`: send the same message again; hold this `recipient` only, or the whole `number`
 *   (a throttle or maintenance: every send from it would fail the same way). `afterMs` is Meta's
 *   or the documentation's wait; with `backoff: 'exponential'` it is a floor (or absent) and the
 *   caller's exponential backoff applies.
 * - `fail`: a final failure. `replayable`: the same message can succeed later, after
 *   `replayAfterMs` when known or after an operator's fix (dead-letter it, replay it then);
 *   `operator`: a person must act (permissions, payment, registration, a policy problem);
 *   `scope`: what else fails the same way until then (see FailureScope).
 * - `ambiguous`: Meta may have accepted the message; never send it again (settle it from the
 *   status webhooks instead).
 */
export type SendDecision =
  | { action: 'retry', scope: 'recipient' | 'number', backoff: RetryBackoff, afterMs?: number, reason: string }
  | { action: 'fail', operator: boolean, replayable: boolean, scope: FailureScope, replayAfterMs?: number, reason: string }
  | { action: 'ambiguous', reason: string }

/** What the caller knows beyond the error itself. */
export interface SendContext {
  /**
   * Whether the request bytes may have left. Default: the error's `requestSent`, and true when
   * that is absent (an error from elsewhere is treated as possibly sent).
   */
  sent?: boolean
  /** This recipient's count of earlier 131056 answers, for the 4^x s delay when the error has none. Default 0. */
  attempt?: number
}

/** The fields of a GraphError the decision reads. */
export type SendFailure = Pick<GraphError, 'code' | 'httpStatus' | 'networkCode' | 'retryAfterMs' | 'requestSent'>

function fromEntry (entry: ErrorCatalogueEntry, hintMs: number | undefined, attempt: number): SendDecision {
  const d = entry.decision
  const reason = `${entry.reason} (code ${entry.code}${entry.codeTo === undefined ? '' : `–${entry.codeTo}`})`
  if (d.action === 'retry') {
    const afterMs = hintMs ?? (d.backoff === 'pair-rate' ? pairRateRetryDelayMs(attempt) : d.afterMs)
    return afterMs === undefined ? { ...d, reason } : { ...d, afterMs, reason }
  }
  const replayAfterMs = d.replayable ? hintMs ?? d.replayAfterMs : undefined
  const { replayAfterMs: _table, ...rest } = d
  return replayAfterMs === undefined ? { ...rest, reason } : { ...rest, replayAfterMs, reason }
}

const retryNow = (reason: string, hintMs: number | undefined, scope: 'recipient' | 'number' = 'recipient'): SendDecision =>
  hintMs === undefined ? { action: 'retry', scope, backoff: 'exponential', reason } : { action: 'retry', scope, backoff: 'exponential', afterMs: hintMs, reason }

/** Decides an HTTP answer that is not a success and carries no code the catalogue knows. */
function fromStatus (status: number, code: number | undefined, sent: boolean, hintMs: number | undefined): SendDecision {
  const what = code === undefined ? `HTTP ${status} without a Graph error code` : `unlisted code ${code} with HTTP ${status}`
  if (status >= 500) {
    // Meta's own envelope is a refusal; a bare 5xx is some proxy's, which may have forwarded it.
    if (code === undefined && sent) return { action: 'ambiguous', reason: `${what} after the request was sent: Meta may have accepted it` }
    return retryNow(what, hintMs)
  }
  if (status === 429) return retryNow(`${what}: throttled`, hintMs, 'number')
  // The server timed out reading the request: it never had it whole.
  if (status === 408) return retryNow(`${what}: the request was not read in time`, hintMs)
  if (status < 400 || (code === undefined && (status === 401 || status === 403))) {
    return { action: 'fail', operator: true, replayable: true, scope: 'app', reason: `${what}: check the token and GRAPH_API_BASE_URL` }
  }
  return { action: 'fail', operator: false, replayable: false, scope: 'message', reason: what }
}

/**
 * The one decision on a failed send (`POST /{phone-number-id}/messages`), used by the client to set
 * `GraphError.class` and by callers to act. In order:
 * 1. no HTTP answer: never sent → retry; possibly sent (timeout, reset, closed after writing) → ambiguous;
 * 2. 502 or 504 after sending, whatever the body → ambiguous (a gateway lost Meta's answer);
 * 3. a 2xx the client could not read → ambiguous;
 * 4. a code in ERROR_CATALOGUE → its decision (Meta's `Retry-After`, carried in `retryAfterMs`,
 *    overrides the catalogue's wait);
 * 5. anything else by HTTP status: 5xx without Meta's envelope after sending → ambiguous, other 5xx
 *    → retry; 429 → retry the number; 408 → retry; 3xx, bare 401/403 → operator; other 4xx → fail.
 */
export function decideSend (error: SendFailure, context: SendContext = {}): SendDecision {
  const sent = context.sent ?? error.requestSent ?? true
  const status = error.httpStatus
  const hintMs = error.retryAfterMs
  if (status === undefined) {
    const what = error.networkCode ?? 'no answer'
    return sent
      ? { action: 'ambiguous', reason: `${what} after the request was sent: Meta may have accepted it` }
      : retryNow(`${what} before the request was sent`, hintMs)
  }
  if (sent && (status === 502 || status === 504)) {
    return { action: 'ambiguous', reason: `HTTP ${status} from a gateway after the request was sent: Meta may have accepted it` }
  }
  if (status >= 200 && status < 300) return { action: 'ambiguous', reason: `HTTP ${status} with an unreadable answer: Meta may have accepted it` }
  const entry = error.code === undefined ? undefined : findErrorCatalogueEntry(error.code)
  if (entry) return fromEntry(entry, hintMs, context.attempt ?? 0)
  return fromStatus(status, error.code, sent, hintMs)
}
