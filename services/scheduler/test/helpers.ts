import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaMessage } from 'kafkajs'
import { createConsumer, createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createSchedulerApp, loadConfig, type SchedulerApp, type SchedulerAppDeps } from '../src/index.ts'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`
export const codec = createCodec()

/** Env of one test: its own topics and group, few partitions, a short session. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: uniqueName('sc'),
    KAFKA_TOPIC_PARTITIONS: '2',
    SCHEDULER_PORT: '0',
    SCHEDULER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

/** A clock the test moves by hand. */
export function manualClock (start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

export async function startApp (t: TestContext, env: Record<string, string>, deps: SchedulerAppDeps = {}): Promise<SchedulerApp> {
  const config = loadConfig(env)
  const app = createSchedulerApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'scheduler-test' }), ...deps })
  t.after(() => app.stop())
  await app.start()
  return app
}

export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

let seq = 0
export function request (overrides: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    request_id: `req-${seq++}-${randomUUID().slice(0, 8)}`,
    phone_number_id: '106540352242922',
    to: '+16505551234',
    message_json: JSON.stringify({ type: 'text', text: { body: 'hello later' } }),
    expires_at: null,
    metadata: { campaign: 'test' },
    created_at: null,
    send_at: null,
    priority: null,
    ...overrides
  }
}

/** Produces requests to the prefix's scheduled topic, keyed by phone_number_id. */
export async function schedule (prefix: string, requests: OutboundRequest[]): Promise<void> {
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('test') })
  const producer = createProducer(kafka)
  await producer.start()
  try {
    const topic = `${prefix}.outbound.scheduled`
    await producer.send(await Promise.all(requests.map(async (r) => ({ topic, key: r.phone_number_id, value: await codec.serialize(topic, 'OutboundRequest', r) }))))
  } finally {
    await producer.stop()
  }
}

/** Waits until a topic exists (another process creates it). */
export async function waitTopic (topic: string): Promise<void> {
  const admin = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('admin') }).admin()
  await admin.connect()
  try {
    await waitFor(`topic ${topic}`, async () => (await admin.listTopics()).includes(topic) && (await admin.fetchTopicOffsets(topic).then(() => true, () => false)), 60_000)
  } finally {
    await admin.disconnect()
  }
}

/** A record as read, with the partition it came from. */
export type ReadRecord = KafkaMessage & { partition: number }

/**
 * Everything committed to a topic, read as it arrives, each record once. The reader never commits,
 * so when its own group rebalances (its session lost while the broker stalls) it reads the topic again
 * from the start: a record read again at the same partition and offset is the reader's, not a second
 * record, and is kept once. Two records of one request are at two offsets and both kept.
 */
export async function collect (t: TestContext, topic: string): Promise<ReadRecord[]> {
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('reader') })
  const records: ReadRecord[] = []
  const seen = new Set<string>()
  const consumer = createConsumer(kafka, { groupId: uniqueName('reader'), topics: [topic], fromBeginning: true, maxWaitTimeMs: 100 })
  t.after(() => consumer.stop())
  await consumer.start({
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const m of batch.messages) {
        const at = `${batch.partition}@${m.offset}`
        if (!seen.has(at)) { seen.add(at); records.push({ ...m, partition: batch.partition }) }
        resolveOffset(m.offset)
      }
    }
  })
  return records
}

export const requestsTopic = (prefix: string) => topicNames(prefix).outboundRequests
export const resultsTopic = (prefix: string) => topicNames(prefix).outboundResults

export async function decodeRequests (records: KafkaMessage[]): Promise<OutboundRequest[]> {
  return await Promise.all(records.map(async (m) => (await codec.deserialize(m.value!, 'OutboundRequest')).value))
}

export async function decodeResults (records: KafkaMessage[]): Promise<OutboundResult[]> {
  return await Promise.all(records.map(async (m) => (await codec.deserialize(m.value!, 'OutboundResult')).value))
}

/** Waits until the app owns every partition it was given and holds `count` requests in memory. */
export async function waitIndexed (app: SchedulerApp, count: number): Promise<void> {
  await waitFor(`${count} indexed`, () => app.isReady() && app.partitions().reduce((n, p) => n + p.indexed, 0) === count)
}
