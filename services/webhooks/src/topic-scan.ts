import { randomUUID } from 'node:crypto'
import type { Kafka, KafkaMessage } from 'kafkajs'

/**
 * Reads `topic` from its start up to its end as of now (records added meanwhile are left for the
 * next scan), calling `visit` for each record in partition order. Returns how many it read.
 */
export async function scanTopic (kafka: Kafka, topic: string, visit: (message: KafkaMessage, partition: number) => Promise<void> | void): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
  const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]))
  let scanned = 0
  if (pending.size === 0) return scanned
  const consumer = kafka.consumer({ groupId: `wabridge-webhooks-scan-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const end = pending.get(batch.partition)
          if (end === undefined) return
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= end) break
            scanned++
            await visit(message, batch.partition)
            resolveOffset(message.offset)
          }
          if (BigInt(batch.lastOffset()) + 1n >= end) pending.delete(batch.partition)
          if (pending.size === 0) resolve()
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return scanned
}
