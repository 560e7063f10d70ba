// Values of the records the client reads and writes, field for field as in ../avro/*.avsc (a test
// checks them against @wabridge/schemas). Times are epoch milliseconds; field docs are in the .avsc.

/** The records this package encodes or decodes. */
export const RECORD_NAMES = ['InboundMessage', 'InboundStatus', 'OutboundRequest', 'OutboundResult'] as const
export type RecordName = typeof RECORD_NAMES[number]

/** One inbound message (topic `<prefix>.inbound.messages`). */
export interface InboundMessage {
  /** Deterministic id (the wamid): the same message delivered twice has the same id. */
  event_id: string
  waba_id: string
  phone_number_id: string
  display_phone_number: string
  /** The sender (message.from). */
  customer_wa_id: string
  customer_name: string | null
  /** wamid.* */
  message_id: string
  /** text, image, interactive, … or any later type. */
  type: string
  meta_timestamp: number
  received_at: number
  context_message_id: string | null
  referral_source_id: string | null
  /** Meta's message object as JSON text. */
  message_json: string
  contact_json: string | null
}

/** One status update of a sent message (topic `<prefix>.inbound.statuses`). */
export interface InboundStatus {
  /** wamid + ':' + status. */
  event_id: string
  waba_id: string
  phone_number_id: string
  display_phone_number: string
  /** wamid of the message sent. */
  message_id: string
  /** sent | delivered | read | failed | played | any later value. */
  status: string
  recipient_id: string
  meta_timestamp: number
  received_at: number
  biz_opaque_callback_data: string | null
  conversation_id: string | null
  conversation_origin: string | null
  pricing_category: string | null
  pricing_type: string | null
  pricing_model: string | null
  pricing_billable: boolean | null
  error_codes: number[]
  /** Meta's status object as JSON text. */
  status_json: string
}

/** A request record as it is on the wire (topic `<prefix>.outbound.requests`). */
export interface OutboundRequestRecord {
  request_id: string | null
  phone_number_id: string
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

/** The priorities of a request: interactive (conversations, sent first) and bulk (what interactive leaves). */
export const PRIORITIES = ['interactive', 'bulk'] as const
export type Priority = typeof PRIORITIES[number]

/**
 * accepted (Meta took it) | failed | expired (deadline passed) | unknown (outcome unknowable) |
 * cancelled (a scheduled request cancelled before its send_at, never sent).
 */
export type ResultStatus = 'accepted' | 'failed' | 'expired' | 'unknown' | 'cancelled'
/**
 * How the gateway classified an error: retry now, retry after backoff, never retry, may have been
 * sent, or suppressed (not sent: a bulk request to a recipient who opted out or is held from marketing),
 * outside_window (not sent: not a template, and the customer service window is closed) or template_invalid
 * (not sent: the template is unknown in that language, not approved, or given the wrong parameters).
 */
export type ErrorClass = 'retry_now' | 'retry_later' | 'permanent' | 'ambiguous' | 'suppressed' | 'outside_window' | 'template_invalid'

/** The last error of a request. */
export interface ResultError {
  /** Meta's error.code; null for network errors. */
  code: number | null
  subcode: number | null
  message: string
  details: string | null
  class: ErrorClass
  fbtrace_id: string | null
}

/** What a settlement record says about the `unknown` result it replaces. */
export interface Settlement {
  supersedes_status: ResultStatus
  supersedes_completed_at: number
  evidence: 'status_webhook' | 'no_status_in_time'
  status_at: number | null
}

/** The outcome of a request (topic `<prefix>.outbound.results`). */
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
  business_usage_json: string | null
  app_usage_json: string | null
  source_topic: string
  source_partition: number
  source_offset: string
  /** Why an outcome is unknown, or which evidence decided a request that was in doubt. */
  reason?: string | null
  /** Set only on a settlement record, which replaces an earlier `unknown` result of the same request. */
  settlement?: Settlement | null
  /** The request's message type (template, text, image, …); null when unknown (older writers). */
  message_type?: string | null
  /** Whether the customer service window was open when egress sent; null when egress did not check. */
  window_open?: boolean | null
}

/** The value type of each record, by name. */
export interface RecordValues {
  InboundMessage: InboundMessage
  InboundStatus: InboundStatus
  OutboundRequest: OutboundRequestRecord
  OutboundResult: OutboundResult
}
