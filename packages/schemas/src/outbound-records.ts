// Values of the outbound records, matching avro/outbound-*.avsc and avro/dead-letter.avsc field
// for field (a test checks it). Times are epoch milliseconds. Field docs live in the .avsc files.

/** Symbols of the ResultStatus enum. */
export const RESULT_STATUSES = ['accepted', 'failed', 'expired', 'unknown', 'cancelled'] as const
/** accepted (Meta took it) | failed | expired (deadline passed) | unknown (outcome unknowable) | cancelled (a scheduled request cancelled before release, never sent). */
export type ResultStatus = typeof RESULT_STATUSES[number]

/** Symbols of the ErrorClass enum. */
export const ERROR_CLASSES = ['retry_now', 'retry_later', 'permanent', 'ambiguous', 'suppressed', 'outside_window', 'template_invalid'] as const
/**
 * How the gateway classified an error: retry now, retry after backoff, never retry, may have been sent, or
 * not sent (no Graph call) because the recipient is suppressed, the customer service window is closed, or
 * the template is unknown, not approved or given the wrong parameters.
 */
export type ErrorClass = typeof ERROR_CLASSES[number]

/** A request to send one message or mark one as read (topic wa.outbound.requests). */
export interface OutboundRequest {
  request_id: string | null
  phone_number_id: string
  /** E.164 (with or without '+') or a group id. */
  to: string
  /** Meta's message object as JSON text, without messaging_product and to. */
  message_json: string
  expires_at: number | null
  metadata: Record<string, string>
  created_at: number | null
  /** Send no earlier than this, epoch ms (null = now). */
  send_at?: number | null
  /** 'interactive' (default, null) or 'bulk'; anything else fails the request. */
  priority?: string | null
}

/** Priorities of an outbound request: interactive (conversations, first) and bulk (what interactive leaves). */
export const PRIORITIES = ['interactive', 'bulk'] as const
export type Priority = typeof PRIORITIES[number]

/** How far ahead send_at may be: 365 days. */
export const MAX_SEND_AHEAD_MS = 365 * 24 * 60 * 60 * 1000

/** The last error of a request (the ResultError record of OutboundResult and DeadLetter). */
export interface ResultError {
  /** Meta's error.code; null for network errors. */
  code: number | null
  subcode: number | null
  message: string
  /** Meta's error.error_data.details. */
  details: string | null
  class: ErrorClass
  fbtrace_id: string | null
}

/** The one final outcome of a request (topic wa.outbound.results). */
export interface OutboundResult {
  request_id: string
  phone_number_id: string
  to: string
  status: ResultStatus
  wamid: string | null
  wa_id: string | null
  message_status: string | null
  error: ResultError | null
  attempts: number
  requested_at: number | null
  first_attempt_at: number | null
  completed_at: number
  metadata: Record<string, string>
  /** x-business-use-case-usage header. */
  business_usage_json: string | null
  /** x-app-usage header. */
  app_usage_json: string | null
  source_topic: string
  source_partition: number
  /** Decimal string. */
  source_offset: string
  /** How an outcome that is not the plain answer to a send was reached (unknown, or decided from evidence). */
  reason?: string | null
  /** Set only on a settlement record, which supersedes an earlier unknown result. */
  settlement?: Settlement | null
  /** The request's message type (template, text, image, …); null when unknown (older writers). */
  message_type?: string | null
  /** Whether the customer service window was open when egress sent; null when egress did not check. */
  window_open?: boolean | null
}

/** What a settlement record says about the result it supersedes. */
export interface Settlement {
  supersedes_status: ResultStatus
  supersedes_completed_at: number
  evidence: 'status_webhook' | 'no_status_in_time'
  status_at: number | null
}

/** A request that failed for good (topic wa.outbound.dlq). */
export interface DeadLetter {
  request_id: string | null
  phone_number_id: string | null
  to: string | null
  reason: string
  error: ResultError | null
  attempts: number
  failed_at: number
  /** The request record's value, byte for byte. */
  original_value: Buffer
  /** original_value was cut to fit the topic's max.message.bytes. */
  original_truncated?: boolean
  /** Full size of the original value, bytes. */
  original_size?: number
  original_content_type: string | null
  source_topic: string
  source_partition: number
  source_offset: string
}
