// Values of the inbound records, matching avro/inbound-*.avsc and avro/raw-webhook.avsc field for
// field (a test checks it). Times are epoch milliseconds. Field docs live in the .avsc files.

/** One inbound message (topic wa.inbound.messages). */
export interface InboundMessage {
  event_id: string
  waba_id: string
  phone_number_id: string
  display_phone_number: string
  /** message.from */
  customer_wa_id: string
  /** contacts[].profile.name */
  customer_name: string | null
  /** wamid.* */
  message_id: string
  /** Any value Meta sends, including types this package does not know. */
  type: string
  meta_timestamp: number
  received_at: number
  context_message_id: string | null
  referral_source_id: string | null
  /** The original message object as JSON text. */
  message_json: string
  /** The matching contacts[] entry as JSON text. */
  contact_json: string | null
}

/** One status update of an outbound message (topic wa.inbound.statuses). */
export interface InboundStatus {
  event_id: string
  waba_id: string
  phone_number_id: string
  display_phone_number: string
  /** wamid of the outbound message. */
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
  /** The original status object as JSON text. */
  status_json: string
}

/** Any other webhook change (topic wa.inbound.events). */
export interface InboundEvent {
  event_id: string
  /** changes[].field, or 'errors' for value.errors[] of a messages change. */
  field: string
  waba_id: string
  phone_number_id: string | null
  /** value.event, e.g. ACCOUNT_RESTRICTION. */
  event: string | null
  /** entry[].time × 1000. */
  meta_timestamp: number | null
  received_at: number
  value_json: string
}

/** A webhook POST exactly as received (topic wa.inbound.raw). */
export interface RawWebhook {
  received_at: number
  /** The body, byte for byte. */
  body: Buffer
  /** X-Hub-Signature-256. */
  signature: string | null
  headers: Record<string, string>
  content_type: string | null
  remote_address: string | null
  verified: boolean
  /** body was cut to fit the topic's max.message.bytes. */
  body_truncated?: boolean
  /** Full size of the body, bytes. */
  body_size?: number
}
