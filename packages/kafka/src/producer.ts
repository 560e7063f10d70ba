import { Partitioners, type IHeaders, type Kafka, type Producer, type RecordMetadata, type TopicMessages } from 'kafkajs'
import { KafkaPublishError } from './errors.ts'

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
  /** How long kafkajs keeps retrying one batch before failing it, in ms. Default 10000. */
  maxRetryTimeMs?: number
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
   * Produces `records` with acks=all. Resolves when every one is acknowledged. Concurrent calls
   * are coalesced into one produce request. With `timeoutMs`, rejects with KAFKA_PUBLISH_TIMEOUT
   * when not acknowledged in time (the records may still be written later).
   */
  send(records: OutgoingRecord[], options?: { timeoutMs?: number }): Promise<RecordMetadata[]>
  /** True between a successful start() and stop(). */
  readonly isConnected: boolean
  stats(): ProducerStats
}

interface Pending {
  records: OutgoingRecord[]
  resolve: (meta: RecordMetadata[]) => void
  reject: (err: Error) => void
}

/**
 * An idempotent producer (acks=all, one request in flight so sequence numbers stay ordered) with
 * the Java-compatible murmur2 partitioner. While one batch is in flight, new records queue up and
 * go out together in the next one: that is what coalesces many concurrent callers into few
 * produce requests.
 */
export function createProducer (kafka: Kafka, options: ProducerOptions = {}): WabridgeProducer {
  const lingerMs = options.lingerMs ?? 2
  const maxBatchRecords = options.maxBatchRecords ?? 2000
  const retryBudgetMs = options.maxRetryTimeMs ?? 10_000
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Bounded so that a produce to an unreachable cluster fails (about retryBudgetMs) instead of
    // retrying forever, which is kafkajs' default for idempotent producers.
    retry: { retries: Math.ceil(retryBudgetMs / 1000) + 3, initialRetryTime: 100, maxRetryTime: 1000 }
  })
  const queue: Pending[] = []
  const stats: ProducerStats = { batches: 0, records: 0, failures: 0 }
  let connected = false
  let stopping = false
  let inFlight: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined

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

  async function flushOnce (): Promise<void> {
    const batch: Pending[] = []
    let count = 0
    while (queue.length > 0 && (batch.length === 0 || count + queue[0]!.records.length <= maxBatchRecords)) {
      const next = queue.shift()!
      batch.push(next)
      count += next.records.length
    }
    const byTopic = new Map<string, TopicMessages>()
    for (const p of batch) {
      for (const r of p.records) {
        let tm = byTopic.get(r.topic)
        if (!tm) byTopic.set(r.topic, tm = { topic: r.topic, messages: [] })
        tm.messages.push({ key: r.key ?? null, value: r.value, ...(r.headers && { headers: r.headers }), ...(r.partition !== undefined && { partition: r.partition }) })
      }
    }
    stats.batches++
    // The batch keeps the in-flight slot until kafkajs settles it, even when its callers were
    // already failed by the deadline: a second concurrent batch could reorder sequence numbers.
    const sending = producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 })
    sending.catch(() => {})
    try {
      const meta = await withDeadline(sending, retryBudgetMs)
      stats.records += count
      for (const p of batch) p.resolve(meta.filter((m) => p.records.some((r) => r.topic === m.topicName)))
    } catch (err) {
      stats.failures++
      const error = new KafkaPublishError('KAFKA_PUBLISH_FAILED', `produce of ${count} records failed: ${(err as Error).message}`, { cause: err })
      for (const p of batch) p.reject(error)
      await sending.catch(() => {})
    }
  }

  return {
    get isConnected () { return connected },
    async start () {
      await producer.connect()
      connected = true
      stopping = false
    },
    async stop () {
      if (stopping || !connected) return
      stopping = true
      if (timer) { clearTimeout(timer); timer = undefined; inFlight = flushOnce().finally(() => { inFlight = undefined }) }
      while (inFlight || queue.length > 0) {
        if (inFlight) await inFlight
        else inFlight = flushOnce().finally(() => { inFlight = undefined })
      }
      connected = false
      await producer.disconnect()
    },
    send (records, sendOptions = {}) {
      if (stopping || !connected) return Promise.reject(new KafkaPublishError('KAFKA_PRODUCER_STOPPED', 'the producer is not running'))
      if (records.length === 0) return Promise.resolve([])
      const acked = new Promise<RecordMetadata[]>((resolve, reject) => { queue.push({ records, resolve, reject }) })
      schedule()
      return sendOptions.timeoutMs === undefined ? acked : withDeadline(acked, sendOptions.timeoutMs, 'KAFKA_PUBLISH_TIMEOUT')
    },
    stats: () => ({ ...stats })
  }
}

/** Rejects when `promise` has not settled within `ms`; the timer never keeps the process alive. */
function withDeadline<T> (promise: Promise<T>, ms: number, code: 'KAFKA_PUBLISH_TIMEOUT' | 'KAFKA_PUBLISH_FAILED' = 'KAFKA_PUBLISH_FAILED'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new KafkaPublishError(code, `not acknowledged within ${ms} ms`)), ms)
    timer.unref()
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}
