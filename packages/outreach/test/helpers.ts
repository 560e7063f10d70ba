import type { TestContext } from 'node:test'
import { createProducer } from '@wabridge/kafka'
import { readAll, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { createCodec, type Alert, type InboundEvent, type InboundMessage, type InboundStatus } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { createSuppressionStore, type SuppressionStore } from '../src/index.ts'

export { readAll, testKafka, uniqueName, waitFor }

export const codec = createCodec()
export const logger: Logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'outreach-test' })

/** A clock the test moves by hand. */
export function manualClock (start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

export const PHONE = '106540352242922'
export const WABA = '102290129340398'
export const wabaOf = (phone: string) => phone === PHONE ? WABA : undefined

/** A started store on its own topic, stopped by t.after. */
export async function startStore (t: TestContext, o: { topic?: string, clock?: () => number } = {}): Promise<{ store: SuppressionStore, topic: string }> {
  const topic = o.topic ?? uniqueName('outreach.suppressions')
  const store = createSuppressionStore({ kafka: testKafka(), topic, codec, logger, clock: o.clock, sweepIntervalMs: 0 })
  t.after(() => store.stop())
  await store.start()
  return { store, topic }
}

/** Produces records (Avro, single-object) to a topic, creating nothing: the consumer's topics exist already or are auto-created. */
export async function produce (t: TestContext, records: Array<{ topic: string, key: string, value: Buffer }>): Promise<void> {
  const producer = createProducer(testKafka())
  t.after(() => producer.stop())
  await producer.start()
  await producer.send(records)
}

export function status (o: Partial<InboundStatus> & Pick<InboundStatus, 'recipient_id' | 'message_id'>): InboundStatus {
  return {
    event_id: `s-${o.message_id}`,
    waba_id: WABA,
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    status: 'failed',
    meta_timestamp: Date.parse('2026-12-01T09:00:00Z'),
    received_at: Date.parse('2026-12-01T09:00:01Z'),
    biz_opaque_callback_data: null,
    conversation_id: null,
    conversation_origin: null,
    pricing_category: null,
    pricing_type: null,
    pricing_model: null,
    pricing_billable: null,
    error_codes: [],
    status_json: '{}',
    ...o
  }
}

export function textMessage (from: string, body: string, id: string): InboundMessage {
  return {
    event_id: `m-${id}`,
    waba_id: WABA,
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: from,
    customer_name: null,
    message_id: id,
    type: 'text',
    meta_timestamp: Date.parse('2026-12-01T09:00:00Z'),
    received_at: Date.parse('2026-12-01T09:00:01Z'),
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from, id, timestamp: '1764579600', type: 'text', text: { body } }),
    contact_json: null
  }
}

export function event (field: string, value: unknown, o: Partial<InboundEvent> = {}): InboundEvent {
  return {
    event_id: `e-${Math.random()}`,
    field,
    waba_id: WABA,
    phone_number_id: null,
    event: null,
    meta_timestamp: Date.parse('2026-12-01T09:00:00Z'),
    received_at: Date.parse('2026-12-01T09:00:01Z'),
    value_json: JSON.stringify(value),
    ...o
  }
}

/** The alerts written to `topic` (at least `count`), decoded. */
export async function readAlerts (topic: string, count: number): Promise<Alert[]> {
  const records = await readAll(testKafka(), topic, count)
  return Promise.all(records.map(async (r) => (await codec.deserialize(r.value!, 'Alert')).value))
}
