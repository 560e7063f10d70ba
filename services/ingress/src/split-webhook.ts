import {
  metaTimestampToMs,
  parseMessagesValue,
  parseWebhookPayload,
  SchemaError,
  type MessagesValue,
  type WebhookContact,
  type WebhookEntry,
  type WebhookMessage,
  type WebhookPayload,
  type WebhookStatus
} from '@wabridge/schemas'
import { IngressError } from './errors.ts'
import { changeEventId, messageEventId, statusEventId } from './event-id.ts'
import { exceedsJsonDepth } from './json-depth.ts'
import type { InboundRecord } from './inbound-record.ts'

/** Parses a verified body as JSON; INGRESS_PAYLOAD_INVALID when it is not, or nests deeper than `maxDepth`. */
export function parseWebhookJson (body: Buffer, maxDepth: number): unknown {
  if (exceedsJsonDepth(body, maxDepth)) throw new IngressError('INGRESS_PAYLOAD_INVALID', `body nests arrays and objects deeper than ${maxDepth} levels`)
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw new IngressError('INGRESS_PAYLOAD_INVALID', 'body is not valid JSON')
  }
}

function validate<T> (parse: (input: unknown) => T, input: unknown): T {
  try {
    return parse(input)
  } catch (err) {
    if (err instanceof SchemaError) throw new IngressError('INGRESS_PAYLOAD_INVALID', err.message, { cause: err })
    throw err
  }
}

/**
 * Splits a webhook body into one record per message, status, `value.errors[]` entry and other
 * change. Throws INGRESS_PAYLOAD_INVALID when the body is not a `whatsapp_business_account`
 * webhook. Validation only checks the fields read here; the JSON texts are written from the
 * parsed input itself, so unknown fields and message types pass through intact.
 */
export function splitWebhook (payload: unknown, receivedAt: number): InboundRecord[] {
  validate(parseWebhookPayload, payload)
  const out: InboundRecord[] = []
  for (const entry of (payload as WebhookPayload).entry) {
    for (const change of entry.changes) {
      if (change.field === 'messages') {
        validate(parseMessagesValue, change.value)
        splitMessagesValue(entry, change.value as MessagesValue, receivedAt, out)
      } else {
        out.push(toEvent(entry, change.field, change.value, receivedAt))
      }
    }
  }
  return out
}

function splitMessagesValue (entry: WebhookEntry, value: MessagesValue, receivedAt: number, out: InboundRecord[]): void {
  for (const message of value.messages ?? []) out.push(toMessage(entry, value, message, receivedAt))
  for (const status of value.statuses ?? []) out.push(toStatus(entry, value, status, receivedAt))
  const phoneNumberId = value.metadata.phone_number_id
  value.errors?.forEach((error, index) => {
    const valueJson = JSON.stringify(error)
    // The index tells two identical errors of one change apart; entry.time (when sent) separates occurrences.
    const eventId = changeEventId([entry.id, entry.time, 'errors', phoneNumberId, index, valueJson])
    out.push({
      topic: 'inboundEvents',
      schema: 'InboundEvent',
      key: phoneNumberId,
      eventId,
      value: { ...eventBase(entry, 'errors', receivedAt), event_id: eventId, phone_number_id: phoneNumberId, event: null, value_json: valueJson }
    })
  })
  // A messages change with none of the three known arrays still reaches consumers whole.
  if (!value.messages && !value.statuses && !value.errors) out.push(toEvent(entry, 'messages', value, receivedAt))
}

function eventBase (entry: WebhookEntry, field: string, receivedAt: number) {
  return { field, waba_id: entry.id, meta_timestamp: entry.time === undefined ? null : Math.round(entry.time * 1000), received_at: receivedAt }
}

function toEvent (entry: WebhookEntry, field: string, value: Record<string, unknown>, receivedAt: number): InboundRecord {
  const valueJson = JSON.stringify(value)
  const metadata = value.metadata as { phone_number_id?: unknown } | undefined
  const phoneNumberId = typeof metadata?.phone_number_id === 'string' ? metadata.phone_number_id : null
  const eventId = changeEventId([entry.id, entry.time, field, valueJson])
  return {
    topic: 'inboundEvents',
    schema: 'InboundEvent',
    key: phoneNumberId ?? entry.id,
    eventId,
    value: {
      ...eventBase(entry, field, receivedAt),
      event_id: eventId,
      phone_number_id: phoneNumberId,
      event: typeof value.event === 'string' ? value.event : null,
      value_json: valueJson
    }
  }
}

function contactOf (value: MessagesValue, from: string): WebhookContact | undefined {
  const contacts = value.contacts ?? []
  return contacts.find((c) => c.wa_id === from) ?? (contacts.length === 1 ? contacts[0] : undefined)
}

function toMessage (entry: WebhookEntry, value: MessagesValue, message: WebhookMessage, receivedAt: number): InboundRecord {
  const { metadata } = value
  const contact = contactOf(value, message.from)
  const eventId = messageEventId(message.id)
  return {
    topic: 'inboundMessages',
    schema: 'InboundMessage',
    key: `${metadata.phone_number_id}:${message.from}`,
    eventId,
    value: {
      event_id: eventId,
      waba_id: entry.id,
      phone_number_id: metadata.phone_number_id,
      display_phone_number: metadata.display_phone_number,
      customer_wa_id: message.from,
      customer_name: contact?.profile?.name ?? null,
      message_id: message.id,
      type: message.type,
      meta_timestamp: metaTimestampToMs(message.timestamp),
      received_at: receivedAt,
      context_message_id: message.context?.id ?? null,
      referral_source_id: message.referral?.source_id ?? null,
      message_json: JSON.stringify(message),
      contact_json: contact ? JSON.stringify(contact) : null
    }
  }
}

/** Headers of a status record, so that egress can match statuses to its requests without decoding Avro. */
export const STATUS_HEADER = {
  callbackData: 'wa-callback-data',
  status: 'wa-status',
  messageId: 'wa-message-id',
  timestamp: 'wa-timestamp'
} as const

function statusHeaders (status: WebhookStatus, metaTimestampMs: number): Record<string, string> {
  return {
    ...(status.biz_opaque_callback_data !== undefined && { [STATUS_HEADER.callbackData]: status.biz_opaque_callback_data }),
    [STATUS_HEADER.status]: status.status,
    [STATUS_HEADER.messageId]: status.id,
    [STATUS_HEADER.timestamp]: String(metaTimestampMs)
  }
}

function toStatus (entry: WebhookEntry, value: MessagesValue, status: WebhookStatus, receivedAt: number): InboundRecord {
  const { metadata } = value
  const eventId = statusEventId(status.id, status.status)
  const metaTimestamp = metaTimestampToMs(status.timestamp)
  return {
    topic: 'inboundStatuses',
    schema: 'InboundStatus',
    key: `${metadata.phone_number_id}:${status.recipient_id}`,
    eventId,
    headers: statusHeaders(status, metaTimestamp),
    value: {
      event_id: eventId,
      waba_id: entry.id,
      phone_number_id: metadata.phone_number_id,
      display_phone_number: metadata.display_phone_number,
      message_id: status.id,
      status: status.status,
      recipient_id: status.recipient_id,
      meta_timestamp: metaTimestamp,
      received_at: receivedAt,
      biz_opaque_callback_data: status.biz_opaque_callback_data ?? null,
      conversation_id: status.conversation?.id ?? null,
      conversation_origin: status.conversation?.origin?.type ?? null,
      pricing_category: status.pricing?.category ?? null,
      pricing_type: status.pricing?.type ?? null,
      pricing_model: status.pricing?.pricing_model ?? null,
      pricing_billable: status.pricing?.billable ?? null,
      error_codes: status.errors?.map((e) => e.code) ?? [],
      status_json: JSON.stringify(status)
    }
  }
}
