/**
 * Helpers for tests that run against a real broker (the `@wabridge/kafka/testing` entry): brokers
 * from KAFKA_BROKERS, unique names, an admin closed by `t.after`, polling, reading a topic back.
 */
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import type { TestContext } from 'node:test'
import type { Admin, Kafka } from 'kafkajs'
import { createKafkaClient } from './client.ts'
import { waitUntilServed } from './ensure-topics.ts'

/** Brokers of the run (scripts/test.ts starts a local broker and sets KAFKA_BROKERS). */
export function brokersFromEnv (): string[] {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers.split(',')
}

export function testKafka (brokers = brokersFromEnv()): Kafka {
  return createKafkaClient({ brokers, clientId: `test-${randomUUID().slice(0, 8)}` })
}

/** A unique name, so tests never share topics or groups. */
export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`

export async function connectedAdmin (t: TestContext, kafka: Kafka): Promise<Admin> {
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  return admin
}

export async function createTopic (admin: Admin, topic: string, partitions = 1): Promise<void> {
  // kafkajs' waitForLeaders gives up when a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a
  // topic it has not loaded yet; wait until every partition is served instead.
  await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] })
  await waitUntilServed(admin, topic)
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Reads every record of `topic` from the beginning until `count` arrived (or times out). */
export interface ReadRecord { partition: number, offset: string, key: string | null, value: Buffer | null, headers: Record<string, string> }

export async function readAll (kafka: Kafka, topic: string, count: number, timeoutMs = 20_000): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') })
  const seen: ReadRecord[] = []
  // A rebalance or restart of the group re-delivers uncommitted records: keep each partition@offset once.
  const delivered = new Set<string>()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = `${partition}@${message.offset}`
        if (delivered.has(id)) return
        delivered.add(id)
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v)
        seen.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers })
      }
    })
    await waitFor(() => seen.length >= count, timeoutMs, `${count} records on ${topic}`)
    return seen
  } finally {
    await consumer.disconnect()
  }
}

/**
 * `kafka`, with consumers that behave as kafkajs' do when their first group join crashes (in a fault run: the coordinator
 * of a fresh broker not ready under load): the consumer's first run() resolves with no group (a
 * seek then throws "Consumer group was not initialized"), and kafkajs runs it again 300 ms later.
 */
export function firstJoinCrashes (kafka: Kafka): Kafka {
  return new Proxy(kafka, {
    get (target, prop, receiver) {
      if (prop !== 'consumer') return Reflect.get(target, prop, receiver) as unknown
      return (...args: Parameters<Kafka['consumer']>) => {
        const consumer = target.consumer(...args)
        const run = consumer.run.bind(consumer)
        let runs = 0
        consumer.run = async (config) => {
          if (runs++ > 0) return await run(config)
          setTimeout(() => { run(config).catch(() => {}) }, 300)
        }
        return consumer
      }
    }
  })
}

/** A gate a test opens by hand; `reached` resolves when something first waits at it (`pass`). */
export function gate (): { open: () => void, reached: Promise<void>, pass: () => Promise<void> } {
  let open = (): void => {}
  let reach = (): void => {}
  const opened = new Promise<void>((resolve) => { open = resolve })
  const reached = new Promise<void>((resolve) => { reach = resolve })
  return { open, reached, pass: async () => { reach(); await opened } }
}

/**
 * `kafka`, with every batch its consumers take held at `hold` once `stall()` was called: the
 * consumer stops fetching and heartbeating (kafkajs heartbeats from its fetch loop), as a stalled
 * process does, and the group drops it after its session timeout. Producers and admins are left
 * alone. `taken()` counts the records its consumers' handlers have been through.
 */
export function stallableKafka (kafka: Kafka, hold: Pick<ReturnType<typeof gate>, 'pass'>): { kafka: Kafka, stall: () => void, taken: () => number } {
  let isHolding = false
  let taken = 0
  const stallable = new Proxy(kafka, {
    get (target, prop, receiver) {
      if (prop !== 'consumer') return Reflect.get(target, prop, receiver) as unknown
      return (...args: Parameters<Kafka['consumer']>) => {
        const consumer = target.consumer(...args)
        const run = consumer.run.bind(consumer)
        consumer.run = async (options) => {
          const eachBatch = options?.eachBatch
          await run({
            ...options,
            ...(eachBatch && {
              eachBatch: async (payload) => {
                if (isHolding) await hold.pass()
                await eachBatch(payload)
                taken += payload.batch.messages.length
              }
            })
          })
        }
        return consumer
      }
    }
  })
  return { kafka: stallable, stall: () => { isHolding = true }, taken: () => taken }
}

/**
 * Counts kafkajs' checks of its connections' request queues (RequestQueue.checkPendingRequests,
 * all connections of the process) until the test ends; set `count` to 0 to start a window. kafkajs
 * 2.2.4 uncorrected checks each connection that has carried a request about every millisecond.
 */
export function countRequestQueueChecks (t: TestContext): { count: number } {
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as { prototype: { checkPendingRequests(): void } }
  const original = RequestQueue.prototype.checkPendingRequests
  const checks = { count: 0 }
  RequestQueue.prototype.checkPendingRequests = function (this: unknown) { checks.count++; return original.call(this) }
  t.after(() => { RequestQueue.prototype.checkPendingRequests = original })
  return checks
}
