import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { fetchTopicOffsetsRetrying } from '@wabridge/kafka'

/**
 * Reads every record of `topic` written before the call, once, in offset order per partition
 * (a throwaway consumer of a private group that commits nothing), then stops.
 */
export async function readTopicToEnd (kafka: Kafka, admin: Admin, topic: string, onRecord: (key: string, value: Buffer | null) => void | Promise<void>): Promise<void> {
  const ends = new Map<number, bigint>()
  for (const o of await fetchTopicOffsetsRetrying(admin, topic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high))
  if (ends.size === 0) return
  const consumer = kafka.consumer({ groupId: `wabridge-campaigns.read.${randomUUID()}`, maxWaitTimeInMs: 100, maxBytesPerPartition: 16 * 1024 * 1024 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const left = new Set(ends.keys())
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const end = ends.get(batch.partition)
          if (end === undefined) return
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break
            await onRecord(m.key?.toString() ?? '', m.value)
            resolveOffset(m.offset)
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) {
            left.delete(batch.partition)
            if (left.size === 0) resolve()
          }
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
}
