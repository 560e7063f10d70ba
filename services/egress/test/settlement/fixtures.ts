import type { IHeaders } from 'kafkajs'
import { toKafkaHeaders } from '@wabridge/kafka'
import { contentTypeFor, createCodec, type InboundStatus, type OutboundResult } from '@wabridge/schemas'
import { STATUS_HEADERS, type StatusEvidence } from '../../src/settlement/status-evidence.ts'

export const codec = createCodec()

export const PHONE_NUMBER_ID = '106540352242922'
export const RECIPIENT = '16505551234'
/** 2026-12-06T10:00:00Z */
export const META_TIME = Date.UTC(2026, 11, 6, 10, 0, 0)

export interface StatusInput {
  requestId: string | null
  status: string
  wamid?: string
  at?: number
  errors?: Array<{ code: number, title?: string, message?: string, error_data?: { details?: string } }>
}

/** An InboundStatus as ingress writes it for one status of a webhook. */
export function inboundStatus (input: StatusInput): InboundStatus {
  const wamid = input.wamid ?? `wamid.${input.requestId ?? 'none'}`
  const at = input.at ?? META_TIME
  const status = {
    id: wamid,
    status: input.status,
    timestamp: String(at / 1000),
    recipient_id: RECIPIENT,
    ...(input.requestId !== null && { biz_opaque_callback_data: input.requestId }),
    ...(input.errors && { errors: input.errors })
  }
  return {
    event_id: `${wamid}:${input.status}`,
    waba_id: '102290129340398',
    phone_number_id: PHONE_NUMBER_ID,
    display_phone_number: '15550783881',
    message_id: wamid,
    status: input.status,
    recipient_id: RECIPIENT,
    meta_timestamp: at,
    received_at: at + 1500,
    biz_opaque_callback_data: input.requestId,
    conversation_id: null,
    conversation_origin: null,
    pricing_category: null,
    pricing_type: null,
    pricing_model: null,
    pricing_billable: null,
    error_codes: input.errors?.map((e) => e.code) ?? [],
    status_json: JSON.stringify(status)
  }
}

/** The status headers ingress adds (none for the callback data when the status has none). */
export function statusHeaderValues (value: InboundStatus): Record<string, string> {
  return {
    ...(value.biz_opaque_callback_data !== null && { [STATUS_HEADERS.callbackData]: value.biz_opaque_callback_data }),
    [STATUS_HEADERS.status]: value.status,
    [STATUS_HEADERS.messageId]: value.message_id,
    [STATUS_HEADERS.timestamp]: String(value.meta_timestamp)
  }
}

/** A status record as ingress produces it; `withStatusHeaders: false` is a record from before the headers existed. */
export function statusRecord (input: StatusInput, options: { withStatusHeaders?: boolean, topic: string }): { topic: string, key: string, value: Buffer, headers: IHeaders } {
  const value = inboundStatus(input)
  return {
    topic: options.topic,
    key: `${value.phone_number_id}:${value.recipient_id}`,
    value: codec.encode('InboundStatus', value),
    headers: toKafkaHeaders({
      eventId: value.event_id,
      contentType: contentTypeFor('InboundStatus'),
      extra: options.withStatusHeaders === false ? {} : statusHeaderValues(value)
    })
  }
}

export function evidence (overrides: Partial<StatusEvidence> & Pick<StatusEvidence, 'requestId'>): StatusEvidence {
  return { status: 'delivered', wamid: `wamid.${overrides.requestId}`, recipientId: RECIPIENT, error: null, at: META_TIME, seenAt: META_TIME + 2000, ...overrides }
}

/** An unknown result as egress publishes it after a timeout on attempt 2. */
export function unknownResult (overrides: Partial<OutboundResult> = {}): OutboundResult {
  return {
    request_id: 'req-1',
    phone_number_id: PHONE_NUMBER_ID,
    to: `+${RECIPIENT}`,
    status: 'unknown',
    wamid: null,
    wa_id: null,
    message_status: null,
    error: { code: null, subcode: null, message: 'timed out after 10000 ms', details: null, class: 'ambiguous', fbtrace_id: null },
    attempts: 2,
    requested_at: META_TIME - 60_000,
    first_attempt_at: META_TIME - 50_000,
    completed_at: META_TIME - 30_000,
    metadata: { order: '42' },
    business_usage_json: null,
    app_usage_json: null,
    source_topic: 'wa.outbound.requests',
    source_partition: 1,
    source_offset: '1234',
    reason: 'in doubt after attempt 2 (timeout after sending); it was not sent again; a status webhook within 24 h will settle it',
    settlement: null,
    message_type: 'template',
    window_open: false,
    ...overrides
  }
}
