import { randomUUID } from 'node:crypto'
import type { Admin, Kafka, KafkaMessage } from 'kafkajs'
import { heartbeatIntervalFor } from './consumer.ts'
import { fetchTopicOffsetsRetrying } from './ensure-topics.ts'

export interface ScanTopicOptions {
  /** Prefix of the scan's private consumer group (a fresh one per scan; it never commits). */
  groupIdPrefix: string
  /** An admin to read the topic's end offsets with; default one made and closed for the call. */
  admin?: Admin
  /** The scan group's session timeout, ms (default kafkajs' 30 s; heartbeats at a tenth of it). */
  sessionTimeoutMs?: number
  maxBytesPerPartition?: number
  /** Checked after each visit: true ends the scan there. */
  isDone?: () => boolean
}

/**
 * Reads `topic` from its start up to its end as of the call (records added meanwhile are left for
 * the next scan) and calls `visit` once for each record, in offset order per partition. Returns
 * how many records it visited.
 *
 * Once, even when the scan's group drops the consumer and takes it back (its session expired
 * during a slow visit, or the broker stalled): the group commits nothing, so kafkajs then reads
 * the partition again from its start, and the records already visited are skipped. A partition's
 * end counts control records too (a topic written in transactions ends in a commit marker, which
 * kafkajs never hands to `eachBatch`). A visit that throws ends the scan with its error.
 */
export async function scanTopicToEnd (kafka: Kafka, topic: string, visit: (message: KafkaMessage, partition: number) => Promise<void> | void, options: ScanTopicOptions): Promise<number> {
  const ends = await endOffsets(kafka, topic, options.admin)
  // partition → the offset after the last record visited (or passed: a marker, an aborted record)
  const reached = new Map<number, bigint>()
  let visited = 0
  if (ends.size === 0) return visited
  const consumer = kafka.consumer({
    groupId: `${options.groupIdPrefix}-${randomUUID()}`,
    maxWaitTimeInMs: 100,
    ...(options.maxBytesPerPartition !== undefined && { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.sessionTimeoutMs !== undefined && { sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: heartbeatIntervalFor(options.sessionTimeoutMs) })
  })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      let isFinished = false
      const finish = (err?: Error) => {
        if (isFinished) return
        isFinished = true
        if (err === undefined) resolve()
        else reject(err)
      }
      consumer.on(consumer.events.CRASH, ({ payload }) => { if (!payload.restart) finish(payload.error) })
      const passed = (partition: number, next: bigint) => {
        if (next > (reached.get(partition) ?? 0n)) reached.set(partition, next)
        const end = ends.get(partition)
        if (end !== undefined && next >= end) ends.delete(partition)
        if (ends.size === 0) finish()
      }
      // Emitted for every batch, those of control records or aborted records alone included.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => { if (payload.topic === topic) passed(payload.partition, BigInt(payload.lastOffset) + 1n) })
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            if (isFinished) return
            const end = ends.get(batch.partition)
            const offset = BigInt(message.offset)
            if (end === undefined || offset >= end) return
            if (offset < (reached.get(batch.partition) ?? 0n)) continue
            visited++
            try {
              await visit(message, batch.partition)
            } catch (err) {
              // The scan's caller decides: kafkajs would retry the batch, visiting the record again.
              finish(err as Error)
              return
            }
            resolveOffset(message.offset)
            passed(batch.partition, offset + 1n)
            if (options.isDone?.() === true) { finish(); return }
            await heartbeat()
          }
        }
      }).catch((err: unknown) => { finish(err as Error) })
    })
  } finally {
    await consumer.disconnect()
  }
  return visited
}

async function endOffsets (kafka: Kafka, topic: string, given: Admin | undefined): Promise<Map<number, bigint>> {
  const admin = given ?? kafka.admin()
  if (given === undefined) await admin.connect()
  try {
    const offsets = await fetchTopicOffsetsRetrying(admin, topic)
    return new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]))
  } finally {
    if (given === undefined) await admin.disconnect()
  }
}
