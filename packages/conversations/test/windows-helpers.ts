import type { TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createProducer, createTopicView, ensureTopics } from '@wabridge/kafka'
import { connectedAdmin, readAll, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { createCodec, windowKey, type CustomerWindow, type InboundMessage, type InboundStatus } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { windowTopics, type WindowTopics } from '../src/index.ts'

export { readAll, testKafka, uniqueName, waitFor }

export const codec = createCodec()
export const logger: Logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'conversations-test' })

export const PHONE = '106540352242922'
export const WABA = '102290129340398'
export const T0 = Date.parse('2026-12-01T10:00:00Z')

/** A clock the test moves by hand. */
export function manualClock (start = T0) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms }, set: (ms: number) => { now = ms } }
}

export function message (o: Partial<InboundMessage> & { from: string, id: string, at?: number }): InboundMessage {
  const { from, id, at, ...rest } = o
  const ts = at ?? T0
  return {
    event_id: `m-${id}`,
    waba_id: WABA,
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: from,
    customer_name: null,
    message_id: id,
    type: 'text',
    meta_timestamp: ts,
    received_at: ts + 500,
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from, id, timestamp: String(Math.floor(ts / 1000)), type: 'text', text: { body: 'hi' } }),
    contact_json: null,
    ...rest
  }
}

export function status (o: Partial<InboundStatus> & { to: string, id: string, at?: number }): InboundStatus {
  const { to, id, at, ...rest } = o
  const ts = at ?? T0
  return {
    event_id: `s-${id}`,
    waba_id: WABA,
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    message_id: id,
    status: 'sent',
    recipient_id: to,
    meta_timestamp: ts,
    received_at: ts + 500,
    biz_opaque_callback_data: null,
    conversation_id: null,
    conversation_origin: null,
    pricing_category: null,
    pricing_type: null,
    pricing_model: null,
    pricing_billable: null,
    error_codes: [],
    status_json: '{}',
    ...rest
  }
}

/** A fresh prefix with the inbound topics (`partitions` each) and the windows topic created. */
export async function windowPrefix (t: TestContext, kafka: Kafka, partitions = 2): Promise<{ prefix: string, topics: WindowTopics }> {
  const prefix = uniqueName('i15w')
  const admin = await connectedAdmin(t, kafka)
  await ensureTopics(admin, {
    prefix,
    partitions,
    only: ['inboundMessages', 'inboundStatuses'],
    extra: [{ topic: `${prefix}.windows`, configs: { 'cleanup.policy': 'compact' } }]
  })
  return { prefix, topics: windowTopics(prefix) }
}

/** A started producer, stopped by t.after. */
export async function inboundProducer (t: TestContext, kafka: Kafka, topics: WindowTopics) {
  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  return {
    async messages (...ms: InboundMessage[]) {
      await producer.send(await Promise.all(ms.map(async (m) => ({ topic: topics.messages, key: windowKey(m.phone_number_id, m.customer_wa_id), value: await codec.serialize(topics.messages, 'InboundMessage', m) }))))
    },
    async statuses (...ss: InboundStatus[]) {
      await producer.send(await Promise.all(ss.map(async (s) => ({ topic: topics.statuses, key: windowKey(s.phone_number_id, s.recipient_id), value: await codec.serialize(topics.statuses, 'InboundStatus', s) }))))
    }
  }
}

/** The latest record per key of a windows topic (null = tombstone), kept current until the test ends. */
export async function watchWindows (t: TestContext, kafka: Kafka, topic: string): Promise<Map<string, CustomerWindow | null>> {
  const latest = new Map<string, CustomerWindow | null>()
  const view = createTopicView({
    topic,
    groupIdPrefix: uniqueName('watch'),
    onRecord: async (key, value) => { latest.set(key, value === null ? null : (await codec.deserialize(value, 'CustomerWindow')).value) }
  }, { kafka, logger })
  t.after(() => view.stop())
  await view.start()
  return latest
}
