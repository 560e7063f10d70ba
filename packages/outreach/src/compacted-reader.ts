import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { createConsumer, type WabridgeConsumer } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'

export interface CompactedReaderOptions {
  kafka: Kafka
  /** A compacted topic every instance reads whole. */
  topic: string
  /** Prefix of the reader's private group: it never commits, so every start reads from the beginning. */
  groupIdPrefix: string
  /** Applies one record, in offset order per partition (value null = tombstone). */
  onRecord: (key: string, value: Buffer | null) => Promise<void> | void
  logger: Logger
  onCrash?: ((err: Error) => void) | undefined
}

export interface CompactedReader {
  /** Joins and resolves once every record written before the call has been applied; then follows the topic. */
  start(): Promise<void>
  /** Resolves once every record written before the call has been applied. */
  catchUp(): Promise<void>
  stop(): Promise<void>
}

/**
 * A joined reader that fetched nothing for this long has read all there is, ms: compaction may
 * have removed the records just below an end offset (the last one never: it is in the active
 * segment), so this is only the safety net.
 */
const IDLE_MS = 5000

/** Reads a compacted topic from the beginning and then as it grows. */
export function createCompactedReader (o: CompactedReaderOptions): CompactedReader {
  const positions = new Map<number, bigint>()
  const waiters: Array<{ ends: Map<number, bigint>, resolve: () => void }> = []
  let consumer: WabridgeConsumer | undefined
  let timer: NodeJS.Timeout | undefined
  let joinedAt: number | undefined
  let lastProgressAt = 0
  let isStopped = false

  const isReached = (ends: Map<number, bigint>) => [...ends].every(([p, end]) => (positions.get(p) ?? 0n) >= end)
  const isIdle = () => joinedAt !== undefined && Date.now() - Math.max(joinedAt, lastProgressAt) > IDLE_MS
  function settle (): void {
    for (const w of [...waiters]) {
      if (!isReached(w.ends) && !isIdle()) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  }

  async function catchUp (): Promise<void> {
    const admin = o.kafka.admin()
    await admin.connect()
    let ends: Map<number, bigint>
    try {
      ends = new Map((await admin.fetchTopicOffsets(o.topic)).filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]))
    } finally {
      await admin.disconnect()
    }
    if (isReached(ends) || isStopped) return
    lastProgressAt = Date.now()
    await new Promise<void>((resolve) => waiters.push({ ends, resolve }))
  }

  return {
    async start () {
      consumer = createConsumer(o.kafka, {
        groupId: `${o.groupIdPrefix}.${randomUUID()}`,
        topics: [o.topic],
        fromBeginning: true,
        maxWaitTimeMs: 250,
        ...(o.onCrash && { onCrash: o.onCrash })
      })
      consumer.kafkajs.on(consumer.kafkajs.events.GROUP_JOIN, () => { joinedAt = Date.now() })
      timer = setInterval(settle, 250)
      timer.unref()
      const caughtUp = catchUp()
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            await o.onRecord(m.key?.toString() ?? '', m.value)
            resolveOffset(m.offset)
            positions.set(batch.partition, BigInt(m.offset) + 1n)
          }
          // Compaction leaves gaps: the batch's last offset, not its last record, is where the partition is.
          const last = BigInt(batch.lastOffset()) + 1n
          if (last > (positions.get(batch.partition) ?? 0n)) positions.set(batch.partition, last)
          lastProgressAt = Date.now()
          settle()
        }
      })
      await caughtUp
      o.logger.info({ topic: o.topic }, 'compacted topic read')
    },
    catchUp,
    async stop () {
      if (isStopped) return
      isStopped = true
      if (timer) clearInterval(timer)
      for (const w of waiters.splice(0)) w.resolve()
      await consumer?.stop()
    }
  }
}
