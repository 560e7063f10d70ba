import { randomUUID } from 'node:crypto'
import type { Kafka, KafkaMessage } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'

/** A topic to read in full on this instance: from its beginning, or from `sinceMs` ago. */
export interface ReadTopic {
  topic: string
  /** Read records written at most this long ago (by Kafka timestamp), ms; undefined = from the beginning. */
  sinceMs?: number
}

export interface TopicReaderOptions {
  topics: ReadTopic[]
  /** Prefix of the throw-away consumer group (each instance reads every partition). */
  groupIdPrefix: string
  clock: () => number
  /** Called for each record in order per partition; must not throw. */
  onRecord: (topic: string, message: KafkaMessage) => void | Promise<void>
  /** Called once when the consumer is dead for good; the process should exit. */
  onCrash?: (err: Error) => void
  /** Restarts of a crashed consumer allowed within `restartWindowMs` (KAFKA_CONSUMER_MAX_RESTARTS). Default 5. */
  maxRestarts?: number
  /** KAFKA_CONSUMER_RESTART_WINDOW_MS. Default 600000. */
  restartWindowMs?: number
  logger?: { warn(obj: object, msg: string): void }
}

export interface TopicReader {
  /** Starts reading; resolves once every partition is read up to where it ended at start. */
  start(): Promise<void>
  stop(): Promise<void>
  readonly isCaughtUp: boolean
}

const partitionKey = (topic: string, partition: number) => `${topic}\0${partition}`

/**
 * Reads every partition of some topics on this instance (the same idea as egress's status index: a
 * consumer group of its own, so no other instance shares the partitions; offsets are never
 * committed). Caught up means: every partition read up to its last stable offset at start.
 * kafkajs restarts a crashed consumer as a new group member that would start over: each partition
 * is sent back to where this reader had got to.
 */
export function createTopicReader (kafka: Kafka, options: TopicReaderOptions): TopicReader {
  const names = options.topics.map((t) => t.topic)
  const targets = new Map<string, bigint>()
  const positions = new Map<string, { topic: string, partition: number, next: bigint }>()
  let caughtUp = false
  let isStopped = false
  let settle: { resolve: () => void, reject: (err: Error) => void } | undefined
  const advance = (topic: string, partition: number, next: bigint) => {
    const key = partitionKey(topic, partition)
    if (next > (positions.get(key)?.next ?? -1n)) positions.set(key, { topic, partition, next })
  }
  const consumer = createConsumer(kafka, {
    groupId: `${options.groupIdPrefix}-${randomUUID()}`,
    topics: names,
    // A reset (the start offset deleted by retention before the seek) must go back, not skip ahead.
    fromBeginning: true,
    partitionsConsumedConcurrently: 4,
    // Small: a revoked key must stop working within seconds.
    maxWaitTimeMs: 250,
    ...(options.maxRestarts !== undefined && { maxRestarts: options.maxRestarts }),
    ...(options.restartWindowMs !== undefined && { restartWindowMs: options.restartWindowMs }),
    // Each join (the first, and every one after kafkajs restarted a crashed consumer) sends every
    // partition to where this reader had got to: the start offsets, or as far as it has read.
    positionsOnJoin: () => [...positions.values()].map(({ topic, partition, next }) => ({ topic, partition, offset: next })),
    ...(options.logger && { logger: options.logger }),
    onCrash: (err) => {
      settle?.reject(err)
      options.onCrash?.(err)
    }
  })

  function finishIfCaughtUp (): void {
    if (targets.size > 0 || caughtUp) return
    caughtUp = true
    settle?.resolve()
  }

  // A fetch may hold only transaction markers (results are written in transactions): kafkajs still
  // reports the last offset it covered, which the last data record's offset would never reach.
  consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, ({ payload }) => {
    const next = BigInt(payload.lastOffset) + 1n
    advance(payload.topic, payload.partition, next)
    const key = partitionKey(payload.topic, payload.partition)
    const target = targets.get(key)
    if (target !== undefined && next >= target) {
      targets.delete(key)
      finishIfCaughtUp()
    }
  })

  async function startOffsets (): Promise<Array<{ topic: string, partition: number, from: string }>> {
    const admin = kafka.admin()
    await admin.connect()
    try {
      const starts: Array<{ topic: string, partition: number, from: string }> = []
      for (const { topic, sinceMs } of options.topics) {
        // Both answer for read_committed: 'high' is the last stable offset, what a reader can reach.
        const highs = await admin.fetchTopicOffsets(topic)
        const byTime = sinceMs === undefined ? [] : await admin.fetchTopicOffsetsByTimestamp(topic, Math.max(0, options.clock() - sinceMs))
        for (const { partition, high, low } of highs) {
          const at = byTime.find((p) => p.partition === partition)?.offset
          // -1 (no record at or after the time) means: nothing to read before the end.
          const from = at === undefined ? low : at === '-1' ? high : at
          if (BigInt(from) < BigInt(high)) targets.set(partitionKey(topic, partition), BigInt(high))
          starts.push({ topic, partition, from })
        }
      }
      return starts
    } finally {
      await admin.disconnect()
    }
  }

  return {
    get isCaughtUp () { return caughtUp },
    async start () {
      const starts = await startOffsets()
      // stop() while the offsets were being read: the consumer must not start after it.
      if (isStopped) return
      for (const { topic, partition, from } of starts) advance(topic, partition, BigInt(from))
      const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject } })
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            await options.onRecord(batch.topic, message)
            resolveOffset(message.offset)
            advance(batch.topic, batch.partition, BigInt(message.offset) + 1n)
          }
          await heartbeat()
        }
      })
      finishIfCaughtUp()
      await done
    },
    async stop () {
      isStopped = true
      settle?.resolve()
      await consumer.stop()
    }
  }
}
