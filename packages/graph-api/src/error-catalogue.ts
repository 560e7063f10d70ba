/**
 * What a failure is about, and therefore what else it affects: only this `message`, every message to
 * this `recipient`, everything using this `template` or `flow`, everything sent from this phone
 * `number`, from any number of the `waba` (or its business portfolio), or every call of the `app`
 * (its token and permissions).
 */
export type FailureScope = 'message' | 'recipient' | 'template' | 'flow' | 'number' | 'waba' | 'app'

/**
 * How to wait before the next attempt of a retried send:
 * - `fixed`: wait `afterMs` (a throttle or a maintenance window with a known length);
 * - `exponential`: the caller's exponential backoff per attempt, never shorter than `afterMs` when
 *   given (Meta's `Retry-After`);
 * - `pair-rate`: Meta's advice for 131056, 4^x s where x counts this recipient's 131056 answers
 *   (`afterMs` is that delay for the `attempt` the client was given).
 */
export type RetryBackoff = 'fixed' | 'exponential' | 'pair-rate'

/** The decision a catalogue entry stands for (the reason sits beside it). */
export type CatalogueDecision =
  | { action: 'retry', scope: 'recipient' | 'number', backoff: RetryBackoff, afterMs?: number }
  | { action: 'fail', operator: boolean, replayable: boolean, scope: FailureScope, replayAfterMs?: number }

/** One Graph error code (or an inclusive range of codes) and what a sender does about it. */
export interface ErrorCatalogueEntry {
  code: number
  /** Last code of an inclusive range starting at `code` (200–299: the permission errors). */
  codeTo?: number
  decision: CatalogueDecision
  reason: string
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE

const retry = (scope: 'recipient' | 'number', backoff: RetryBackoff, afterMs?: number): CatalogueDecision =>
  afterMs === undefined ? { action: 'retry', scope, backoff } : { action: 'retry', scope, backoff, afterMs }
/** Needs a person (permissions, payment, registration, policy); the same message can be replayed after the fix. */
const operator = (scope: FailureScope): CatalogueDecision => ({ action: 'fail', operator: true, replayable: true, scope })
/** Lifts by itself; replaying the same message later can succeed. */
const later = (scope: FailureScope, replayAfterMs?: number): CatalogueDecision =>
  replayAfterMs === undefined
    ? { action: 'fail', operator: false, replayable: true, scope }
    : { action: 'fail', operator: false, replayable: true, scope, replayAfterMs }
/** This message can never succeed; `needsPerson` when someone must still act (alert). */
const never = (scope: FailureScope, needsPerson = false): CatalogueDecision => ({ action: 'fail', operator: needsPerson, replayable: false, scope })

const e = (code: number, decision: CatalogueDecision, reason: string, codeTo?: number): ErrorCatalogueEntry =>
  codeTo === undefined ? { code, decision, reason } : { code, codeTo, decision, reason }

/**
 * Meta's error codes with the action each calls for, from Meta's error-code page as summarized in
 * whatsapp-cloud-api.md §6 and whatsapp-cloud-api-more.md §3.4, §5.2, §7 and §8 (Meta publishes
 * meanings, not actions: the actions are derived there). Keyed on `error.code`, never on the HTTP
 * status, which Meta does not keep consistent. Exact codes win over ranges.
 */
export const ERROR_CATALOGUE: readonly ErrorCatalogueEntry[] = [
  // Retry the same message: transient on Meta's side, or a throttle.
  e(1, retry('recipient', 'exponential'), 'API unknown; possible server error'),
  e(2, retry('recipient', 'exponential'), 'temporary downtime or overload'),
  e(131000, retry('recipient', 'exponential'), 'something went wrong; try again'),
  e(131016, retry('recipient', 'exponential'), 'service temporarily unavailable'),
  e(133004, retry('recipient', 'exponential'), 'server temporarily unavailable'),
  e(139102, retry('recipient', 'exponential'), 'block-users list changed while paging'),
  e(139103, retry('recipient', 'exponential'), 'block-users internal error'),
  e(4, retry('number', 'fixed', MINUTE), 'app rate limit (calls per hour)'),
  e(80007, retry('number', 'fixed', MINUTE), 'WABA rate limit'),
  e(80008, retry('number', 'fixed', MINUTE), 'too many calls to this WhatsApp Business account'),
  e(130429, retry('number', 'fixed', 1000), 'phone number throughput reached; throttle the whole number'),
  e(131057, retry('number', 'fixed', MINUTE), 'account in maintenance mode (throughput upgrade, about a minute)'),
  e(2494100, retry('number', 'fixed', 3 * MINUTE), 'account in maintenance mode (phone number migration, a few minutes)'),
  e(131056, retry('recipient', 'pair-rate'), 'pair rate limit; back off this recipient only, 4^x s'),
  // Lifts by itself: replay later, not now.
  e(131048, later('waba', HOUR), 'spam rate limit (quality, or the messaging limit); back off for hours'),
  e(131049, later('recipient', 24 * HOUR), 'per-user marketing limit; wait at least 24 h'),
  e(131064, later('waba'), 'messaging limit reached for template-classification violations, until the enforcement period ends'),
  e(132015, later('template', 3 * HOUR), 'template paused for low quality (3 h, then 6 h)'),
  e(132069, later('flow', HOUR), 'Flow throttled: 10 messages with this Flow in the last hour'),
  e(134101, later('template', 10 * MINUTE), 'template still syncing for the Marketing Messages API (about 10 min)'),
  // Needs a person; replay after the fix.
  e(0, operator('app'), 'AuthException; refresh the token'),
  e(3, operator('app'), 'capability or permission missing'),
  e(10, operator('app'), 'permission denied'),
  e(190, operator('app'), 'access token expired or invalid'),
  e(200, operator('app'), 'API permission error', 299),
  e(131005, operator('app'), 'permission not granted or removed'),
  e(33, operator('number'), 'business phone number deleted'),
  e(131037, operator('number'), '555 number without an approved display name'),
  e(131045, operator('number'), 'phone number registration error (certificate); re-register'),
  e(133000, operator('number'), 'registration problem (133xxx are registration errors, not send errors)', 133999),
  e(133000, operator('number'), 'previous deregistration failed; deregister again'),
  e(133005, operator('number'), 'two-step verification PIN incorrect'),
  e(133006, operator('number'), 'phone number must be verified before registering'),
  e(133008, operator('number'), 'too many two-step PIN guesses; wait the time in details'),
  e(133009, operator('number'), 'two-step PIN entered too quickly; wait'),
  e(133010, operator('number'), 'phone number not registered; register it'),
  e(133015, operator('number'), 'phone number recently deleted, deletion not complete; register again in 5 min'),
  e(133016, operator('number'), 'too many register/deregister attempts; wait until unblocked'),
  e(139101, operator('number'), 'block list full (64,000 users)'),
  e(368, operator('waba'), 'temporarily blocked for policy violations'),
  e(131031, operator('waba'), 'business account restricted or disabled, or data mismatch (two-step PIN)'),
  e(131042, operator('waba'), 'payment problem; fix billing'),
  e(134011, operator('waba'), 'WhatsApp Payments terms of service not accepted'),
  e(131063, operator('waba'), 'marketing messages disabled on Cloud API for this WABA; enable them or use /marketing_messages'),
  e(134102, operator('waba'), 'Marketing Messages API unavailable or not eligible (WABA not onboarded)'),
  e(132068, operator('flow'), 'Flow is blocked; fix the Flow'),
  // This message can never succeed.
  e(100, never('message'), 'invalid parameter'),
  e(131008, never('message'), 'required parameter missing'),
  e(131009, never('message'), 'parameter value invalid'),
  e(135000, never('message'), 'generic user error in the request parameters'),
  e(131051, never('message'), 'unsupported message type'),
  e(131052, never('message'), 'media download failed (over 100 MB)'),
  e(131053, never('message'), 'media upload error; fix the media'),
  e(131055, never('message'), 'utility or authentication template on the Marketing Messages API; send it to /messages'),
  e(134100, never('message'), 'utility or authentication template on the Marketing Messages API; send it to /messages'),
  e(131062, never('message'), 'max-price template to a BSUID recipient'),
  e(132000, never('message'), 'template parameter count mismatch'),
  e(132005, never('message'), 'translated template text too long'),
  e(132012, never('message'), 'template parameter format mismatch'),
  e(132018, never('message'), 'template parameter problem'),
  e(139100, never('message'), 'block-users request partly failed'),
  e(2388000, never('message'), 'template or phone-migration management error (not a send error)', 2388999),
  e(131021, never('recipient'), 'sender and recipient are the same'),
  e(131026, never('recipient'), 'message undeliverable (not on WhatsApp, terms of service, old client)'),
  e(131047, never('recipient'), 'more than 24 h since the recipient last replied; send a template'),
  e(131050, never('recipient'), 'recipient stopped marketing messages from this business'),
  e(130403, never('recipient'), 'recipient blocked by the business'),
  e(130472, never('recipient'), 'recipient is part of an experiment'),
  e(130497, never('recipient'), 'business restricted from messaging users in this country'),
  e(132001, never('template'), 'template does not exist in this language or is not approved'),
  e(132007, never('template', true), 'template content violates a policy'),
  e(132016, never('template', true), 'template paused too often and disabled for good; create a new one')
]

const exact = new Map<number, ErrorCatalogueEntry>()
const ranges: ErrorCatalogueEntry[] = []
for (const entry of ERROR_CATALOGUE) {
  if (entry.codeTo === undefined) exact.set(entry.code, entry)
  else ranges.push(entry)
}

/** The catalogue entry for a Graph error code (exact codes before ranges), or undefined. */
export function findErrorCatalogueEntry (code: number): ErrorCatalogueEntry | undefined {
  return exact.get(code) ?? ranges.find((r) => code >= r.code && code <= (r.codeTo ?? r.code))
}
