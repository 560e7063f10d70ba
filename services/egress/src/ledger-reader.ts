import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, fromKafkaHeaders, type WabridgeConsumer } from '@wabridge/kafka'
import type { Ledger } from './ledger.ts'
import { ATTEMPT_HEADERS } from './outputs.ts'

export interface LedgerReaderOptions {
  resultsTopic: string
  attemptsTopic: string
  /** Group of the egress instances; its commit metadata says when each partition last committed. */
  groupId: string
  requestsTopic: string
  lookbackMs: number
  /** This instance's id, as its attempt markers carry it. */
  instance: string
  /**
   * How long, at least, a partition's results and attempts are read after it was loaded or the
   * group rebalanced, ms. The tail then pauses once no attempt of another instance is in doubt
   * (started, no result yet), and at the latest after maxTailMs: from then on only this instance
   * writes there, and reading its own records back would only cost CPU.
   */
  tailMs: number
  maxTailMs: number
  logger?: { warn(obj: object, msg: string): void }
}

export interface LedgerReader {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Reads back everything written to `partition` of the results and attempts topics since
   * (last commit of that requests partition − lookback), or since the beginning when it never
   * committed, and resolves once caught up with what existed when it was called.
   */
  load(partition: number): Promise<void>
  /** Stops applying records of a revoked partition. */
  unload(partition: number): void
  /**
   * The group is rebalancing: tail every owned partition again, from its current end, since an
   * instance that owned a partition before may still write its last results there.
   */
  rewatch(): void
  /** Whether records of `partition` are being read right now. */
  isTailing(partition: number): boolean
}

/**
 * Reads the results and attempts topics so the ledger knows what every instance decided, also
 * what a previous owner of a partition writes after losing it. It uses its own throw-away
 * consumer group (one member, every partition, all paused until owned), seeking each owned
 * partition back on load and reading only headers: request id and attempt state travel in
 * headers, values are not decoded. A partition is read while another instance may still write
 * to it (tailMs after its load or a rebalance, longer while another instance's attempts are in
 * doubt), then its tail pauses: this instance's own writes are already in the ledger.
 */
export function createLedgerReader (kafka: Kafka, admin: Admin, ledger: Ledger, options: LedgerReaderOptions): LedgerReader {
  const owned = new Set<number>()
  const tails = new Map<number, NodeJS.Timeout>()
  const loading = new Set<number>()
  const topics = [options.resultsTopic, options.attemptsTopic]
  const caughtUp = new Map<string, { target: bigint, resolve: () => void }>()
  const consumer: WabridgeConsumer = createConsumer(kafka, {
    groupId: `${options.groupId}-ledger-${randomUUID()}`,
    topics,
    fromBeginning: false,
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100
  })
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

  function applyMessage (topic: string, partition: number, headers: Parameters<typeof fromKafkaHeaders>[0]): void {
    if (!owned.has(partition)) return
    const h = fromKafkaHeaders(headers)
    if (!h.eventId) return
    if (topic === options.resultsTopic) {
      ledger.apply(partition, { kind: 'result', requestId: h.eventId })
    } else {
      const state = h.extra?.[ATTEMPT_HEADERS.state]
      const attempt = Number(h.extra?.[ATTEMPT_HEADERS.attempt])
      if ((state === 'started' || state === 'not-sent') && Number.isInteger(attempt)) {
        ledger.apply(partition, { kind: 'attempt', requestId: h.eventId, attempt, state, instance: h.extra?.[ATTEMPT_HEADERS.instance] ?? 'unknown' })
      }
    }
  }

  function progress (topic: string, partition: number, offset: string): void {
    const waiting = caughtUp.get(key(topic, partition))
    if (waiting && BigInt(offset) + 1n >= waiting.target) {
      caughtUp.delete(key(topic, partition))
      waiting.resolve()
    }
  }

  async function startOffset (topic: string, partition: number): Promise<{ from: string, high: string }> {
    const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.requestsTopic] })
    const entry = committed?.partitions.find((p) => p.partition === partition)
    let since: number | undefined
    if (entry && entry.offset !== '-1') {
      const t = Number((JSON.parse(entry.metadata || '{}') as { t?: number }).t)
      since = Number.isFinite(t) ? t - options.lookbackMs : undefined
    }
    const highs = await admin.fetchTopicOffsets(topic)
    const high = highs.find((p) => p.partition === partition)
    if (!high) throw new Error(`${topic} has no partition ${partition}: it must have as many partitions as ${options.requestsTopic}`)
    if (since === undefined) return { from: high.low, high: high.high }
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, since)
    return { from: byTime.find((p) => p.partition === partition)?.offset ?? high.low, high: high.high }
  }

  function pauseTail (partition: number): void {
    clearInterval(tails.get(partition))
    tails.delete(partition)
    for (const topic of topics) consumer.pause(topic, [partition])
  }

  /** Reads the partition (from wherever its position is) until the previous owner is done with it. */
  function tail (partition: number): void {
    clearInterval(tails.get(partition))
    for (const topic of topics) consumer.resume(topic, [partition])
    const since = Date.now()
    const check = setInterval(() => {
      if (tails.get(partition) !== check || loading.has(partition)) return
      const elapsed = Date.now() - since
      if (elapsed >= options.maxTailMs || (elapsed >= options.tailMs && !ledger.hasInDoubt(partition, options.instance))) pauseTail(partition)
    }, Math.min(500, options.tailMs))
    check.unref()
    tails.set(partition, check)
  }

  async function retail (partition: number): Promise<void> {
    for (const topic of topics) {
      const high = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)
      if (high && owned.has(partition)) consumer.kafkajs.seek({ topic, partition, offset: high.high })
    }
    if (owned.has(partition)) tail(partition)
  }

  return {
    async start () {
      const partitionsOf = await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => p.partition)))
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            applyMessage(batch.topic, batch.partition, message.headers)
            resolveOffset(message.offset)
            progress(batch.topic, batch.partition, message.offset)
          }
          await heartbeat()
        }
      })
      topics.forEach((topic, i) => { for (const partition of partitionsOf[i]!) if (!owned.has(partition)) consumer.pause(topic, [partition]) })
    },
    async stop () {
      for (const timer of tails.values()) clearInterval(timer)
      tails.clear()
      for (const waiting of caughtUp.values()) waiting.resolve()
      caughtUp.clear()
      await consumer.stop()
    },
    async load (partition) {
      owned.add(partition)
      // Tails from the start of the load: the window covers what the previous owner still writes.
      loading.add(partition)
      tail(partition)
      await Promise.all(topics.map(async (topic) => {
        const { from, high } = await startOffset(topic, partition)
        if (BigInt(from) >= BigInt(high)) return
        const done = new Promise<void>((resolve) => caughtUp.set(key(topic, partition), { target: BigInt(high), resolve }))
        consumer.kafkajs.seek({ topic, partition, offset: from })
        await done
      })).finally(() => loading.delete(partition))
    },
    unload (partition) {
      owned.delete(partition)
      pauseTail(partition)
      ledger.drop(partition)
    },
    rewatch () {
      for (const partition of owned) {
        if (tails.has(partition)) tail(partition)
        else retail(partition).catch((err: unknown) => options.logger?.warn({ err, partition }, 'could not tail the ledger again after a rebalance'))
      }
    },
    isTailing: (partition) => tails.has(partition)
  }
}
