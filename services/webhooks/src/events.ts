import { createHash } from 'node:crypto'
import type { InboundMessage, InboundStatus, OutboundResult } from '@wabridge/schemas'

/** The event types a subscription can ask for, one per source topic. */
export const EVENT_TYPES = ['message.received', 'message.status', 'message.result'] as const
export type EventType = typeof EVENT_TYPES[number]

export function isEventType (value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value)
}

/** One source record as a webhook event, before it is matched to subscriptions. */
export interface SourceEvent {
  type: EventType
  phoneNumberId: string
  /** '{phone_number_id}:{customer wa_id}': the unit of ordering per endpoint. */
  conversation: string
  /** Unique per event (not per record copy): webhook ids derive from it, so a re-read record gets the same id. */
  eventKey: string
  /** Epoch ms. */
  eventAt: number
  /** The body, exactly as it is signed and sent. */
  body: string
}

function parsed (json: string | null): unknown {
  if (json === null) return null
  try { return JSON.parse(json) } catch { return json }
}

const customer = (waId: string) => waId.replace(/^\+/, '')

function toBody (type: EventType, eventAt: number, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: new Date(eventAt).toISOString(), data })
}

/** wa.inbound.messages → message.received; data is the record with message_json/contact_json parsed. */
export function fromInboundMessage (m: InboundMessage): SourceEvent {
  const { message_json: messageJson, contact_json: contactJson, ...rest } = m
  return {
    type: 'message.received',
    phoneNumberId: m.phone_number_id,
    conversation: `${m.phone_number_id}:${customer(m.customer_wa_id)}`,
    eventKey: `message:${m.event_id}`,
    eventAt: m.meta_timestamp,
    body: toBody('message.received', m.meta_timestamp, { ...rest, message: parsed(messageJson), contact: parsed(contactJson) })
  }
}

/** wa.inbound.statuses → message.status; data is the record with status_json parsed. */
export function fromInboundStatus (s: InboundStatus): SourceEvent {
  const { status_json: statusJson, ...rest } = s
  return {
    type: 'message.status',
    phoneNumberId: s.phone_number_id,
    conversation: `${s.phone_number_id}:${customer(s.recipient_id)}`,
    eventKey: `status:${s.event_id}`,
    eventAt: s.meta_timestamp,
    body: toBody('message.status', s.meta_timestamp, { ...rest, status_payload: parsed(statusJson) })
  }
}

/** wa.outbound.results → message.result; a settlement record is an event of its own. */
export function fromOutboundResult (r: OutboundResult): SourceEvent {
  const { business_usage_json: _b, app_usage_json: _a, source_topic: _t, source_partition: _p, source_offset: _o, ...rest } = r
  return {
    type: 'message.result',
    phoneNumberId: r.phone_number_id,
    conversation: `${r.phone_number_id}:${customer(r.to)}`,
    eventKey: `result:${r.request_id}:${r.settlement ? 'settlement' : 'first'}`,
    eventAt: r.completed_at,
    body: toBody('message.result', r.completed_at, rest)
  }
}

/** The webhook-id of `event` for one subscription: stable across retries, restarts and replays. */
export function webhookIdOf (subscriptionId: string, eventKey: string): string {
  return 'msg_' + createHash('sha256').update(`${subscriptionId}\n${eventKey}`).digest('base64url').slice(0, 27)
}
