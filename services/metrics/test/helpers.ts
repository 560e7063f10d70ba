import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type Alert } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createMetricsApp, loadConfig, type MetricsApp, type MetricsAppDeps, type MetricsConfig } from '../src/index.ts'
import type { TestRecord } from './fixtures/scenario.ts'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`

/** Env of one test: its own topics and group, 3 partitions, fast flushes. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: uniqueName('mt'),
    METRICS_GROUP_ID: uniqueName('metrics'),
    KAFKA_TOPIC_PARTITIONS: '3',
    METRICS_PORT: '0',
    METRICS_FLUSH_INTERVAL_MS: '200',
    METRICS_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

export const testConfig = (env: Record<string, string>): MetricsConfig => loadConfig(env)

export async function startApp (t: TestContext, env: Record<string, string>, deps: MetricsAppDeps = {}): Promise<MetricsApp> {
  const config = testConfig(env)
  const app = createMetricsApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'metrics-test' }), ...deps })
  t.after(() => app.stop())
  await app.start()
  return app
}

export function testKafka (): Kafka {
  return createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('test') })
}

/** Produces scenario records as ingress and egress would: Avro single-object values, keyed, murmur2 partitioner. */
export async function produce (kafka: Kafka, prefix: string, records: TestRecord[]): Promise<void> {
  const names = topicNames(prefix)
  const topic = { m: names.inboundMessages, s: names.inboundStatuses, e: names.inboundEvents, r: names.outboundResults }
  const schema = { m: 'InboundMessage', s: 'InboundStatus', e: 'InboundEvent', r: 'OutboundResult' } as const
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  try {
    const out = await Promise.all(records.map(async (r) => ({
      topic: topic[r.source],
      key: r.key,
      value: await codec.serialize(topic[r.source], schema[r.source], r.value as never)
    })))
    for (let i = 0; i < out.length; i += 2000) await producer.send(out.slice(i, i + 2000))
  } finally {
    await producer.stop()
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export async function getJson (url: string): Promise<{ status: number, body: any }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.json() }
}

/** Polls GET `path` until the body deep-equals `expected` (then returns it) or the time is up (then returns the last body). */
export async function pollUntilEqual (url: string, expected: unknown, timeoutMs: number): Promise<unknown> {
  const { isDeepStrictEqual } = await import('node:util')
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    last = (await getJson(url)).body
    if (isDeepStrictEqual(last, expected) || Date.now() > deadline) return last
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Every alert record on the alerts topic (read_committed), as key and decoded value. */
export async function readAlerts (kafka: Kafka, prefix: string, minCount: number, timeoutMs = 15_000): Promise<Array<{ key: string, value: Alert }>> {
  const codec = createCodec()
  const consumer = kafka.consumer({ groupId: uniqueName('alerts-reader') })
  const seen: Array<{ key: string, value: Alert }> = []
  // A rebalance or restart of the group re-delivers uncommitted records: keep each partition@offset once.
  const delivered = new Set<string>()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topicNames(prefix).alerts], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = `${partition}@${message.offset}`
        if (delivered.has(id)) return
        delivered.add(id)
        seen.push({ key: message.key!.toString(), value: codec.decode(message.value!, 'Alert').value })
      }
    })
    await waitFor(() => seen.length >= minCount, timeoutMs, `${minCount} alert records`).catch(() => {})
    // A little longer, so extra (duplicate) records would show up too.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    return seen.sort((a, b) => a.value.at - b.value.at)
  } finally {
    await consumer.disconnect()
  }
}
