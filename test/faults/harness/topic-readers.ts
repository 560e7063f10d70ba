import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka, KafkaMessage, RetryOptions } from 'kafkajs'
import { fromKafkaHeaders } from '@wabridge/kafka'
import { createCodec, type Codec, type OutboundResult } from '@wabridge/schemas'
import { readLedgerRecord } from '@wabridge/egress'
import { describeOpenTransactions, formatOpenTransactions } from '@wabridge/local-kafka'
import { pollUntil, waitUntil } from './wait.ts'

/** One record as the readers pass it on; `position` (topic/partition/offset) tells a record read again after a consumer restart. */
interface ReadRecord { position: string, value: Buffer | null, headers: Record<string, string>, message: KafkaMessage }
type OnRecord = (record: ReadRecord) => Promise<void> | void

function toReadRecord (topic: string, partition: number, message: KafkaMessage): ReadRecord {
  const typed = fromKafkaHeaders(message.headers)
  const headers = typed.eventId ? { ...typed.extra, 'event-id': typed.eventId } : { ...typed.extra }
  return { position: `${topic}/${partition}/${message.offset}`, value: message.value, headers, message }
}

/** Where a reader reports a crash of its consumer (kafkajs restarts it after retriable errors). */
export type ReaderLog = (line: string) => void

interface Reader { stop (): Promise<void> }

/**
 * kafkajs restarts a crashed consumer on a timer, and a restart already under way when the consumer
 * is disconnected crashes again later and schedules another: without this, a reader whose broker
 * is gone restarts for ever after the run and keeps the harness alive.
 */
function restartUntilStopped (state: { isStopped: boolean }): RetryOptions {
  return { retries: 5, restartOnFailure: async () => !state.isStopped }
}

async function stopReader (consumer: Consumer, state: { isStopped: boolean }): Promise<void> {
  state.isStopped = true
  await consumer.disconnect()
}

/** Reads topics from the beginning in a throw-away group (read_committed, kafkajs' default) until stopped. */
async function tail (kafka: Kafka, topics: string[], log: ReaderLog, onRecord: OnRecord): Promise<Reader> {
  const state = { isStopped: false }
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}`, maxWaitTimeInMs: 250, sessionTimeout: 30_000, retry: restartUntilStopped(state) })
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!state.isStopped) log(`reader of ${topics.join(', ')} crashed (${payload.error.message}); ${payload.restart ? 'kafkajs restarts it' : 'NOT restarted: later records are missing'}`)
  })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => await onRecord(toReadRecord(topic, partition, message))
  })
  return { stop: () => stopReader(consumer, state) }
}

/** Every result record of one request: its final result(s) and any settlement record. */
export interface ResultEntry {
  /** Results without `settlement` (exactly one is expected). */
  finals: OutboundResult[]
  settlements: OutboundResult[]
}

/** The results of a run by request id, each record counted once however often it is read. */
interface ResultBook { results: Map<string, ResultEntry>, positions: Set<string> }

/** Files one result record under its request id; false when it is not an OutboundResult. */
async function addResult (codec: Codec, book: ResultBook, record: ReadRecord): Promise<boolean> {
  const { value } = record
  if (!value || book.positions.has(record.position)) return true
  book.positions.add(record.position)
  const { results } = book
  let result: OutboundResult
  try {
    result = (await codec.deserialize(value, 'OutboundResult')).value
  } catch {
    return false
  }
  let entry = results.get(result.request_id)
  if (!entry) results.set(result.request_id, entry = { finals: [], settlements: [] })
  if (result.settlement) entry.settlements.push(result)
  else entry.finals.push(result)
  return true
}

export interface ResultsReader {
  /** By request id (a second reading adds to it, each record once). */
  readonly results: Map<string, ResultEntry>
  /** Records that could not be decoded as OutboundResult. */
  readonly undecodable: number
  /**
   * Reads the topic once more from the beginning to its end with a new consumer (a second opinion
   * on the running reader, which can fall silent after a broker died under it), filing into the
   * same book: a record either reader delivers is counted once, by its position.
   */
  readAgain (timeoutMs: number, stuck?: StuckReport): Promise<void>
  stop (): Promise<void>
}

/** Collects `<prefix>.outbound.results` by request id. */
export async function startResultsReader (kafka: Kafka, topic: string, log: ReaderLog): Promise<ResultsReader> {
  const codec = createCodec()
  const book: ResultBook = { results: new Map(), positions: new Set() }
  let undecodable = 0
  const file = async (record: ReadRecord) => {
    if (!(await addResult(codec, book, record))) undecodable++
  }
  const reader = await tail(kafka, [topic], log, file)
  return {
    results: book.results,
    get undecodable () { return undecodable },
    // One book for both readers: a record the stalled tail delivers after the second reading filed it is not added twice.
    readAgain: (timeoutMs, stuck) => readToEnd(kafka, [topic], file, timeoutMs, stuck),
    stop: () => reader.stop()
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
  const reader = await tail(kafka, topics, log, ({ headers }) => {
    if (headers['event-id']) ids.add(headers['event-id'])
  })
  return { ids, stop: () => reader.stop() }
}

/**
 * Where a reading to the end that is held back reports, and whom it asks why: the run's brokers
 * (for describeOpenTransactions) and its notes.
 */
export interface StuckReport { brokers: readonly string[], note: (line: string) => void }

/**
 * Reads `topics` once from the beginning to their end with a new consumer (a second opinion on a
 * running reader, which can fall silent after a broker died under it). A partition is read when a
 * batch of it reaches the high watermark; kafkajs reports batches of transaction markers too, so
 * topics written in transactions end properly.
 *
 * A partition whose last stable offset does not reach its high watermark within `timeoutMs` is held
 * back by an open transaction. With `stuck`, the reader then asks the brokers which producer holds
 * it and notes the answer, and reads on for `timeoutMs` more: a live producer's transaction ends by
 * its timeout (egress: 60 s), while one that hangs for good fails the run with that answer.
 */
async function readToEnd (kafka: Kafka, topics: string[], onRecord: OnRecord, timeoutMs: number, stuck?: StuckReport): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  const pending = new Set<string>()
  try {
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > Number(p.low)) pending.add(`${topic}/${p.partition}`)
    }
  } finally {
    await admin.disconnect()
  }
  const total = pending.size
  const state = { isStopped: false }
  const consumer = kafka.consumer({ groupId: `faults-check-${randomUUID()}`, maxWaitTimeInMs: 250, retry: restartUntilStopped(state) })
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.offsetLag === '0') pending.delete(`${payload.topic}/${payload.partition}`)
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics, fromBeginning: true })
    await consumer.run({ eachMessage: async ({ topic, partition, message }) => await onRecord(toReadRecord(topic, partition, message)) })
    const what = `${topics.join(', ')} read to their end`
    const detail = () => `${total - pending.size} of ${total} partitions`
    if (stuck && !(await pollUntil(() => pending.size === 0, timeoutMs))) {
      const held = [...pending].map((key) => { const at = key.lastIndexOf('/'); return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) } })
      const why = await describeOpenTransactions(stuck.brokers, held).then(formatOpenTransactions, (err: unknown) => (err as Error).message)
      stuck.note(`${what}: ${detail()} after ${timeoutMs} ms; reading ${timeoutMs} ms more. Held back by: ${why.replaceAll('\n', '; ')}`)
    }
    await waitUntil(() => pending.size === 0, timeoutMs, what, detail)
  } finally {
    await stopReader(consumer, state)
  }
}

/** The event-id headers of `topics`, read once to their end. */
export async function readEventIdsOnce (kafka: Kafka, topics: string[], timeoutMs: number, stuck?: StuckReport): Promise<Set<string>> {
  const ids = new Set<string>()
  await readToEnd(kafka, topics, ({ headers }) => { if (headers['event-id']) ids.add(headers['event-id']) }, timeoutMs, stuck)
  return ids
}

/** The last "started" marker of a request in egress's attempts topic: who wrote it, and when (the record's timestamp). */
export interface StartedMarker { instance: string, at: number, attempt: number }

/** The last "started" marker of every request, from egress's attempts topic read once to its end (read_committed). */
export async function readStartedMarkersOnce (kafka: Kafka, topic: string, timeoutMs: number, stuck?: StuckReport): Promise<Map<string, StartedMarker>> {
  const codec = createCodec()
  const markers = new Map<string, StartedMarker>()
  await readToEnd(kafka, [topic], async ({ message }) => {
    const event = await readLedgerRecord(codec, message.headers, message.value)
    if (event?.kind !== 'attempt' || event.state !== 'started') return
    const known = markers.get(event.requestId)
    if (!known || event.attempt >= known.attempt) markers.set(event.requestId, { instance: event.instance, at: Number(message.timestamp), attempt: event.attempt })
  }, timeoutMs, stuck)
  return markers
}
