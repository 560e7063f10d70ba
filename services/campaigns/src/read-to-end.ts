import type { Admin, Kafka } from 'kafkajs'
import { scanTopicToEnd } from '@wabridge/kafka'

/**
 * Reads every record of `topic` written before the call, once, in offset order per partition
 * (scanTopicToEnd: a throwaway consumer of a private group that commits nothing), then stops.
 */
export async function readTopicToEnd (kafka: Kafka, admin: Admin, topic: string, onRecord: (key: string, value: Buffer | null) => void | Promise<void>): Promise<void> {
  await scanTopicToEnd(kafka, topic, async (m) => { await onRecord(m.key?.toString() ?? '', m.value) }, { groupIdPrefix: 'wabridge-campaigns.read', admin, maxBytesPerPartition: 16 * 1024 * 1024 })
}
