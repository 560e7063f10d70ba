import { Partitioners, type IHeaders, type Kafka, type Message, type Producer, type ProducerConfig, type RecordMetadata } from 'kafkajs'
import { KafkaPublishError, KafkaRecordTooLargeError } from './errors.ts'
import { partitionOfKey } from './murmur2.ts'
import { estimateRecordBytes, RECORD_BATCH_OVERHEAD_BYTES } from './record-size.ts'
import { sendAcknowledged } from './send-acknowledged.ts'
import { takeBatch } from './take-batch.ts'
import { createTopicLimits, type TopicLimit, type TopicLimits } from './topic-limits.ts'

/** One record to produce. */
export interface OutgoingRecord {
  topic: string
  key?: string | Buffer | null
  value: Buffer | string | null
  headers?: IHeaders
  partition?: number
}

export interface ProducerOptions {
  /** How long a batch waits for more records before it is sent, in ms. Default 2. */
  lingerMs?: number
  /** Most records in one produce request (several callers' records are coalesced up to this). Default 2000. */
  maxBatchRecords?: number
  /** Most estimated record bytes in one produce request (a record larger than this still goes, alone). Default 32 MiB. */
  maxRequestBytes?: number
  /**
   * The sum of kafkajs' backoffs between attempts at one produce request before it gives up, ms
   * (see producerRetryConfig). Default 10000. Each attempt also waits up to the client's
   * requestTimeoutMs for a broker that does not answer, so with a stalled broker a batch fails
   * after at most about maxRetryTimeMs + attempts × requestTimeoutMs.
   */
  maxRetryTimeMs?: number
  /**
   * Where max.message.bytes and partitions of topics come from; share one with whoever sizes
   * records for this producer. Default: the producer's own (closed by stop()).
   */
  limits?: TopicLimits
}

export interface ProducerStats {
  /** Produce requests sent (sendBatch calls). */
  batches: number
  /** Records acknowledged. */
  records: number
  /** Batches that failed. */
  failures: number
}

export interface WabridgeProducer {
  start(): Promise<void>
  /** Flushes what is queued, then disconnects. Idempotent. */
  stop(): Promise<void>
  /**
   * Produces `records` with acks=all; resolves when every one is acknowledged, with the metadata
   * of the partitions they went to. Concurrent calls are coalesced into few produce requests.
   * Rejects with KafkaPublishError only once this producer can no longer write any of the records
   * (kafkajs has given up), except with `timeoutMs`: then it rejects with KAFKA_PUBLISH_TIMEOUT
   * when they are not acknowledged in time, while they stay queued and may still be written.
   * `maybeWritten` on the error says which: true after a timeout and after any failure once the
   * records were handed to kafkajs; false when nothing was sent (stopped producer, a record over
   * the topic's max.message.bytes: KAFKA_RECORD_TOO_LARGE, the topic's limits unreadable).
   */
  send(records: OutgoingRecord[], options?: { timeoutMs?: number }): Promise<RecordMetadata[]>
  /** True between a successful start() and stop(). */
  readonly isConnected: boolean
  stats(): ProducerStats
}

interface Pending {
  remaining: number
  meta: RecordMetadata[]
  isSettled: boolean
  resolve: (meta: RecordMetadata[]) => void
  reject: (err: Error) => void
}

interface Queued {
  pending: Pending
  topic: string
  partition: number
  message: Message
  bytes: number
  maxMessageBytes: number
}

/**
 * kafkajs' retry settings for one produce request: backoffs of 100 ms doubling up to 1 s, as many
 * as fit in `maxRetryTimeMs`. kafkajs' default for idempotent producers is to retry for ever.
 */
export function producerRetryConfig (maxRetryTimeMs: number): NonNullable<ProducerConfig['retry']> {
  return { retries: Math.ceil(maxRetryTimeMs / 1000) + 3, initialRetryTime: 100, maxRetryTime: 1000 }
}

/**
 * An idempotent producer (acks=all, one request in flight so sequence numbers stay ordered) with
 * the Java-compatible murmur2 partitioner. While one batch is in flight, new records queue up and
 * go out together in the next one: that is what coalesces many concurrent callers into few
 * produce requests. Batches are cut so that no partition gets more bytes in one request than its
 * topic's max.message.bytes allows.
 *
 * After a failed batch the kafkajs producer is replaced by a new one (a new producer id): kafkajs
 * rolls its sequence numbers back when a request fails, although the broker may have appended
 * that request, and the next batch would then reuse them; the broker would take it for a
 * duplicate and acknowledge it without writing it.
 *
 * A batch counts as acknowledged only once every partition it holds is in the metadata kafkajs
 * returns: kafkajs can resolve sendBatch without writing a partition whose leader moved during its
 * retries (see sendAcknowledged), and such records are sent again instead of being reported as
 * written.
 */
export function createProducer (kafka: Kafka, options: ProducerOptions = {}): WabridgeProducer {
  const lingerMs = options.lingerMs ?? 2
  const batchLimits = { maxRecords: options.maxBatchRecords ?? 2000, maxRequestBytes: options.maxRequestBytes ?? 32 * 1024 * 1024 }
  const config: ProducerConfig = {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: producerRetryConfig(options.maxRetryTimeMs ?? 10_000)
  }
  const limits = options.limits ?? createTopicLimits(kafka)
  const partitioner = Partitioners.DefaultPartitioner()
  let producer: Producer = kafka.producer(config)
  let needsNewProducer = false
  const retiring: Array<Promise<void>> = []
  let queue: Queued[] = []
  const stats: ProducerStats = { batches: 0, records: 0, failures: 0 }
  let connected = false
  let stopping = false
  let inFlight: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  // Sends that wait for their topics' limits, chained so that records are queued in call order.
  let preparing: Promise<void> = Promise.resolve()
  let preparingCount = 0

  function startFlush (): void {
    inFlight = flushOnce().finally(() => { inFlight = undefined; schedule(true) })
  }

  /**
   * Lingers only when the producer was idle: records that queued while a batch was in flight have
   * already waited a whole round trip, so they go out as soon as that batch settles.
   */
  function schedule (afterBatch = false): void {
    if (inFlight || timer || queue.length === 0) return
    if (afterBatch || lingerMs <= 0) startFlush()
    else timer = setTimeout(() => { timer = undefined; startFlush() }, lingerMs)
  }

  function settle (pending: Pending, err?: Error): void {
    if (pending.isSettled) return
    pending.isSettled = true
    if (err) pending.reject(err)
    else pending.resolve(pending.meta)
  }

  /** Sizes and partitions `records`, refusing the whole send when one can never fit. */
  function enqueue (records: OutgoingRecord[], pending: Pending, known: Map<string, TopicLimit>): void {
    const items: Queued[] = []
    for (const r of records) {
      const limit = known.get(r.topic)!
      const message: Message = { key: r.key ?? null, value: r.value, ...(r.headers && { headers: r.headers }) }
      const bytes = estimateRecordBytes(message)
      if (RECORD_BATCH_OVERHEAD_BYTES + bytes > limit.maxMessageBytes) {
        return settle(pending, new KafkaRecordTooLargeError(r.topic, RECORD_BATCH_OVERHEAD_BYTES + bytes, limit.maxMessageBytes))
      }
      // Keyed records: the DefaultPartitioner's choice without its per-call filter and 64-bit Long murmur2 (murmur2.ts).
      const partition = r.partition ?? (message.key === null || message.key === undefined
        ? partitioner({ topic: r.topic, partitionMetadata: limit.partitions, message })
        : partitionOfKey(message.key, limit.partitions.length))
      items.push({ pending, topic: r.topic, partition, message: { ...message, partition }, bytes, maxMessageBytes: limit.maxMessageBytes })
    }
    queue.push(...items)
    schedule()
  }

  function submit (records: OutgoingRecord[], pending: Pending): void {
    const topics = [...new Set(records.map((r) => r.topic))]
    const known = new Map<string, TopicLimit>()
    for (const t of topics) { const limit = limits.peek(t); if (limit) known.set(t, limit) }
    if (preparingCount === 0 && known.size === topics.length) return enqueue(records, pending, known)
    preparingCount++
    preparing = preparing.then(async () => {
      try {
        enqueue(records, pending, await limits.get(topics))
      } catch (err) {
        const reason = `could not read max.message.bytes and partitions of ${topics.join(', ')}: ${(err as Error).message}`
        settle(pending, new KafkaPublishError('KAFKA_PUBLISH_FAILED', reason, { cause: err, maybeWritten: false }))
      } finally {
        preparingCount--
      }
    })
  }

  /** The kafkajs producer to send with; a new one (new producer id) after a failed batch. */
  async function current (): Promise<Producer> {
    if (!needsNewProducer) return producer
    retiring.push(producer.disconnect().catch(() => {}))
    producer = kafka.producer(config)
    needsNewProducer = false
    try {
      await producer.connect()
    } catch (err) {
      needsNewProducer = true
      throw err
    }
    return producer
  }

  async function flushOnce (): Promise<void> {
    const { taken, rest } = takeBatch(queue.filter((q) => !q.pending.isSettled), batchLimits)
    queue = rest
    if (taken.length === 0) return
    const pendings = new Set(taken.map((q) => q.pending))
    stats.batches++
    let sender: Producer
    try {
      sender = await current()
    } catch (err) {
      stats.failures++
      const error = new KafkaPublishError('KAFKA_PUBLISH_FAILED', `could not connect to Kafka; ${taken.length} records were not sent: ${(err as Error).message}`, { cause: err })
      for (const p of pendings) settle(p, error)
      return
    }
    try {
      // Not sendBatch alone: kafkajs can resolve it without writing every partition.
      const meta = await sendAcknowledged(sender, taken)
      stats.records += taken.length
      for (const q of taken) {
        q.pending.remaining--
        const m = meta.find((x) => x.topicName === q.topic && x.partition === q.partition)!
        if (!q.pending.meta.includes(m)) q.pending.meta.push(m)
      }
      for (const p of pendings) if (p.remaining === 0) settle(p)
    } catch (err) {
      stats.failures++
      needsNewProducer = true
      // The broker measured a batch over max.message.bytes: the cached limit is out of date.
      if (hasErrorType(err, 'MESSAGE_TOO_LARGE')) limits.invalidate([...new Set(taken.map((q) => q.topic))])
      const error = new KafkaPublishError('KAFKA_PUBLISH_FAILED',
        `kafkajs gave up on a produce of ${taken.length} records, which may still have been written (a request may have reached the broker): ${(err as Error).message}`,
        { cause: err, maybeWritten: true })
      for (const p of pendings) settle(p, error)
    }
  }

  return {
    get isConnected () { return connected },
    async start () {
      if (needsNewProducer) await current()
      else await producer.connect()
      connected = true
      stopping = false
    },
    async stop () {
      if (stopping || !connected) return
      stopping = true
      if (timer) { clearTimeout(timer); timer = undefined }
      await preparing
      while (inFlight || queue.length > 0) {
        if (inFlight) await inFlight
        else inFlight = flushOnce().finally(() => { inFlight = undefined })
      }
      connected = false
      await Promise.all([producer.disconnect(), ...retiring.splice(0)])
      if (!options.limits) await limits.close()
    },
    send (records, sendOptions = {}) {
      if (stopping || !connected) return Promise.reject(new KafkaPublishError('KAFKA_PRODUCER_STOPPED', 'the producer is not running'))
      if (records.length === 0) return Promise.resolve([])
      const acked = new Promise<RecordMetadata[]>((resolve, reject) => {
        submit(records, { remaining: records.length, meta: [], isSettled: false, resolve, reject })
      })
      return sendOptions.timeoutMs === undefined ? acked : withTimeout(acked, sendOptions.timeoutMs)
    },
    stats: () => ({ ...stats })
  }
}

/**
 * Rejects with KAFKA_PUBLISH_TIMEOUT (maybeWritten) when `acked` has not settled within `ms`; the
 * records stay queued, so they may still be written. The timer never keeps the process alive.
 */
function withTimeout<T> (acked: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KafkaPublishError('KAFKA_PUBLISH_TIMEOUT',
      `not acknowledged within ${ms} ms; the records may still be written`)), ms)
    timer.unref()
  })
  acked.catch(() => {})
  return Promise.race([acked, deadline]).finally(() => clearTimeout(timer))
}

/** True when `err` or one of its causes is a kafkajs protocol error of `type`. */
function hasErrorType (err: unknown, type: string): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { type?: unknown }).type === type) return true
  }
  return false
}
