import type { OutboundResult, ResultError, ResultStatus } from '@wabridge/schemas'

/** What the API says about a request (GET /v1/messages/{request_id}). */
export const MESSAGE_STATES = ['scheduled', 'queued', 'accepted', 'sent', 'delivered', 'read', 'failed', 'unknown', 'cancelled'] as const
export type MessageState = typeof MESSAGE_STATES[number]

/** The statuses of Meta's status webhooks the view keeps (others, e.g. 'played', are ignored). */
export const WEBHOOK_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const
export type WebhookStatus = typeof WEBHOOK_STATUSES[number]

/**
 * Which status webhook wins when several arrive (they may arrive out of order): read over delivered
 * over failed over sent. A message delivered or read was not lost, whatever a failed status says.
 */
export const WEBHOOK_RANK: Readonly<Record<WebhookStatus, number>> = { sent: 1, failed: 2, delivered: 3, read: 4 }

/** The final result egress wrote for a request: the latest record, so a settlement replaces the unknown it settles. */
export interface ResultView {
  status: ResultStatus
  reason: string | null
  error: ResultError | null
  wamid: string | null
  attempts: number
  completedAt: number
  /** A settlement record (it superseded an unknown result). */
  isSettlement: boolean
}

export interface WebhookView {
  status: WebhookStatus
  /** Meta's time of the status, epoch ms. */
  at: number
  wamid: string | null
  /** Meta's error of a failed status. */
  error: { code: number | null, message: string, details: string | null } | null
}

/** Everything the view knows of one request. */
export interface RequestEntry {
  requestId: string
  phoneNumberId: string | undefined
  to: string | undefined
  /** Hash of the request's body (idempotency), when the request record was read or produced here. */
  bodyHash: string | undefined
  /** When the request's first record was written (Kafka timestamp), epoch ms. */
  queuedAt: number | undefined
  /** Its send_at, epoch ms, when it has one (undefined also when no request record was read). */
  sendAt: number | undefined
  /** Its priority as written ('interactive' when none), when a request record was read. */
  priority: string | undefined
  /**
   * When a record of it that egress sends (rather than forwards to the scheduler) was written:
   * the request itself when it was due, or the scheduler's release of it. Undefined while scheduled.
   */
  dueAt: number | undefined
  result: ResultView | undefined
  webhook: WebhookView | undefined
  /** When the view first saw anything of it (for the window), epoch ms. */
  firstSeenAt: number
}

export interface StateAnswer {
  state: MessageState
  /** Why it failed or is unknown, in words; null otherwise. */
  reason: string | null
  error: { code: number | null, message: string, details: string | null } | null
}

/** The result's view from an OutboundResult record. */
export function toResultView (result: OutboundResult): ResultView {
  return {
    status: result.status,
    reason: result.reason ?? null,
    error: result.error,
    wamid: result.wamid,
    attempts: result.attempts,
    completedAt: result.completed_at,
    isSettlement: result.settlement !== null && result.settlement !== undefined
  }
}

const errorOf = (e: ResultError | null) => e && { code: e.code, message: e.message, details: e.details }

function fromWebhook (webhook: WebhookView): StateAnswer {
  if (webhook.status !== 'failed') return { state: webhook.status, reason: null, error: null }
  return { state: 'failed', reason: webhook.error?.message ?? "Meta's status webhook said failed", error: webhook.error }
}

/** The state a result gives on its own; undefined for accepted and unknown, which status webhooks refine. */
function fromFinalResult (result: ResultView): StateAnswer | undefined {
  switch (result.status) {
    case 'failed': {
      // Suppressed: a bulk request to a recipient on the suppression list, never sent (no call to Meta).
      const reason = result.reason ?? result.error?.message ?? 'failed'
      return { state: 'failed', reason: result.error?.class === 'suppressed' ? `suppressed: ${reason}` : reason, error: errorOf(result.error) }
    }
    case 'expired': return { state: 'failed', reason: `expired: ${result.reason ?? 'not sent before its expires_at'}`, error: errorOf(result.error) }
    case 'cancelled': return { state: 'cancelled', reason: result.reason ?? 'cancelled before its send_at; never sent', error: null }
    case 'accepted':
    case 'unknown': return undefined
    default: {
      // A status this version does not know yet (a newer gateway): say what it is, decide nothing.
      const status: never = result.status
      return { state: 'unknown', reason: `result status ${JSON.stringify(status)}`, error: errorOf(result.error) }
    }
  }
}

/**
 * The state of a request: its result decides failed (and expired, a failure to send in time;
 * suppressed, refused by the suppression list) and cancelled (a scheduled request cancelled before
 * its release); an accepted or unknown result is refined by the status webhooks (sent, delivered,
 * read, or failed after Meta accepted it); without a result a webhook still tells (it may arrive
 * first), else the request is scheduled (held by the scheduler until its send_at) or queued.
 * Undefined when nothing of it is known.
 */
export function toState (entry: RequestEntry): StateAnswer | undefined {
  const { result, webhook } = entry
  const final = result && fromFinalResult(result)
  if (final) return final
  if (webhook) return fromWebhook(webhook)
  if (result?.status === 'accepted') return { state: 'accepted', reason: null, error: null }
  if (result?.status === 'unknown') return { state: 'unknown', reason: result.reason ?? 'egress cannot know whether Meta accepted it', error: errorOf(result.error) }
  if (entry.queuedAt !== undefined) return { state: entry.dueAt === undefined ? 'scheduled' : 'queued', reason: null, error: null }
  return undefined
}
