import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka } from 'kafkajs'
import { fromKafkaHeaders } from '@wabridge/kafka'
import { createCodec, type OutboundResult } from '@wabridge/schemas'
import { waitUntil } from './wait.ts'

/** Where a reader reports a crash of its consumer (kafkajs restarts it after retriable errors). */
export type ReaderLog = (line: string) => void

/** Reads topics from the beginning in a throw-away group (read_committed, kafkajs' default) until stopped. */
async function tail (kafka: Kafka, topics: string[], log: ReaderLog, onRecord: (value: Buffer | null, headers: Record<string, string>) => Promise<void> | void): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}`, maxWaitTimeInMs: 250, sessionTimeout: 30_000 })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    log(`reader of ${topics.join(', ')} crashed (${payload.error.message}); ${payload.restart ? 'kafkajs restarts it' : 'NOT restarted: later records are missing'}`)
  })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = { ...fromKafkaHeaders(message.headers).extra }
      const eventId = fromKafkaHeaders(message.headers).eventId
      if (eventId) headers['event-id'] = eventId
      await onRecord(message.value, headers)
    }
  })
  return consumer
}

/** Every result record of one request: its final result(s) and any settlement record. */
export interface ResultEntry {
  /** Results without `settlement` (exactly one is expected). */
  finals: OutboundResult[]
  settlements: OutboundResult[]
}

export interface ResultsReader {
  readonly results: ReadonlyMap<string, ResultEntry>
  /** Records that could not be decoded as OutboundResult. */
  readonly undecodable: number
  stop (): Promise<void>
}

/** Collects `<prefix>.outbound.results` by request id. */
export async function startResultsReader (kafka: Kafka, topic: string, log: ReaderLog): Promise<ResultsReader> {
  const codec = createCodec()
  const results = new Map<string, ResultEntry>()
  let undecodable = 0
  const consumer = await tail(kafka, [topic], log, async (value) => {
    if (!value) return
    let result: OutboundResult
    try {
      result = (await codec.deserialize(value, 'OutboundResult')).value
    } catch {
      undecodable++
      return
    }
    let entry = results.get(result.request_id)
    if (!entry) results.set(result.request_id, entry = { finals: [], settlements: [] })
    if (result.settlement) entry.settlements.push(result)
    else entry.finals.push(result)
  })
  return {
    results,
    get undecodable () { return undecodable },
    stop: () => consumer.disconnect()
  }
}

export interface EventIdReader {
  /** event-id headers seen (a second reading may add to it). */
  readonly ids: Set<string>
  stop (): Promise<void>
}

/** Collects the event-id header of every record of `topics` (the ingress's topics). */
export async function startEventIdReader (kafka: Kafka, topics: string[], log: ReaderLog): Promise<EventIdReader> {
  const ids = new Set<string>()
  const consumer = await tail(kafka, topics, log, (_value, headers) => {
    if (headers['event-id']) ids.add(headers['event-id'])
  })
  return { ids, stop: () => consumer.disconnect() }
}

/**
 * The event-id headers of `topics` read once from the beginning to their end, with a new consumer
 * (a second opinion on the running reader). For topics written without transactions, where the
 * last record of a partition sits at its high watermark − 1.
 */
export async function readEventIdsOnce (kafka: Kafka, topics: string[], timeoutMs: number): Promise<Set<string>> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map<string, number>()
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) ends.set(`${topic}/${p.partition}`, Number(p.high) - 1)
    }
  } finally {
    await admin.disconnect()
  }
  const ids = new Set<string>()
  const reached = new Set<string>()
  const consumer = kafka.consumer({ groupId: `faults-check-${randomUUID()}`, maxWaitTimeInMs: 250 })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const eventId = fromKafkaHeaders(message.headers).eventId
      if (eventId) ids.add(eventId)
      const key = `${topic}/${partition}`
      if (Number(message.offset) >= (ends.get(key) ?? Infinity)) reached.add(key)
    }
  })
  try {
    await waitUntil(() => reached.size === ends.size, timeoutMs, `${topics.join(', ')} read to their end`, () => `${reached.size} of ${ends.size} partitions`)
    return ids
  } finally {
    await consumer.disconnect()
  }
}
