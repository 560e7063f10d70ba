import type { ErrorClass, InboundStatus, ResultError } from '@wabridge/schemas'

/** The statuses that decide an in-doubt send: sent, delivered and read prove Meta accepted it; failed says it failed. */
export const DECIDING_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const
export type DecidingStatus = typeof DECIDING_STATUSES[number]

/** What a status webhook proves about the request whose id it echoes in biz_opaque_callback_data. */
export interface StatusEvidence {
  requestId: string
  status: DecidingStatus
  /** The wamid the status is about (status.id). */
  wamid: string | null
  /** status.recipient_id (the customer's wa_id or a group id). */
  recipientId: string | null
  /** Meta's error, classified, on a failed status; null otherwise. */
  error: ResultError | null
  /** Meta's time of the status, epoch ms. */
  at: number
  /** When this process saw it, epoch ms (its own clock). */
  seenAt: number
}

/** Headers ingress puts on every status record, so readers can match statuses without decoding the value. */
export const STATUS_HEADERS = {
  callbackData: 'wa-callback-data',
  status: 'wa-status',
  messageId: 'wa-message-id',
  /** Meta's time, epoch ms. */
  timestamp: 'wa-timestamp'
} as const

export function isDecidingStatus (status: string | undefined): status is DecidingStatus {
  return (DECIDING_STATUSES as readonly string[]).includes(status ?? '')
}

/** What the headers of a status record say; `undefined` when the record has none (written before they existed). */
export interface StatusHeaderView {
  requestId: string | undefined
  status: string
  wamid: string | undefined
  at: number | undefined
}

export function readStatusHeaders (extra: Record<string, string> | undefined): StatusHeaderView | undefined {
  const status = extra?.[STATUS_HEADERS.status]
  if (status === undefined) return undefined
  const at = Number(extra?.[STATUS_HEADERS.timestamp])
  return {
    requestId: extra?.[STATUS_HEADERS.callbackData] || undefined,
    status,
    wamid: extra?.[STATUS_HEADERS.messageId] || undefined,
    at: Number.isFinite(at) ? at : undefined
  }
}

interface MetaStatusError { code?: unknown, title?: unknown, message?: unknown, error_data?: { details?: unknown } }

const text = (v: unknown): string | null => typeof v === 'string' && v !== '' ? v : null

/**
 * Classifies Meta's error code of a failed status. The status is Meta's final word on this send, so
 * the default says 'permanent' for every code; egress passes the Graph API client's classification
 * (a code that says "retry later" lets a consumer know that sending it again can succeed).
 */
export type StatusErrorClassifier = (code: number) => Exclude<ErrorClass, 'ambiguous'>

export const permanentStatusError: StatusErrorClassifier = () => 'permanent'

/** Meta's error of a failed status: its first errors[] entry (code, title, error_data.details), classified. */
export function toStatusError (status: Pick<InboundStatus, 'status_json' | 'error_codes'>, classify: StatusErrorClassifier = permanentStatusError): ResultError {
  let first: MetaStatusError | undefined
  try {
    const parsed = JSON.parse(status.status_json) as { errors?: MetaStatusError[] }
    first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined
  } catch {
    first = undefined
  }
  const rawCode = first?.code ?? status.error_codes[0]
  const code = typeof rawCode === 'number' && Number.isInteger(rawCode) ? rawCode : null
  return {
    code,
    subcode: null,
    message: text(first?.title) ?? text(first?.message) ?? (code === null ? "status 'failed' without an error" : `error ${code}`),
    details: text(first?.error_data?.details),
    class: code === null ? 'permanent' : classify(code),
    fbtrace_id: null
  }
}

/** Evidence from a decoded status record, or undefined when it decides nothing (no request id, or e.g. 'played'). */
export function evidenceFromStatus (status: InboundStatus, seenAt: number, classify: StatusErrorClassifier = permanentStatusError): StatusEvidence | undefined {
  const requestId = status.biz_opaque_callback_data
  if (!requestId || !isDecidingStatus(status.status)) return undefined
  return {
    requestId,
    status: status.status,
    wamid: status.message_id || null,
    recipientId: status.recipient_id || null,
    error: status.status === 'failed' ? toStatusError(status, classify) : null,
    at: status.meta_timestamp,
    seenAt
  }
}

/** The recipient id from a status record's key, '{phone_number_id}:{recipient_id}'. */
export function recipientFromKey (key: Buffer | null | undefined): string | null {
  if (!key) return null
  const keyText = key.toString('utf8')
  const colon = keyText.indexOf(':')
  return colon < 0 || colon === keyText.length - 1 ? null : keyText.slice(colon + 1)
}
