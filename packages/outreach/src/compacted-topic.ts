import type { Kafka } from 'kafkajs'
import { ensureTopics } from '@wabridge/kafka'

/** Configs of a compacted state topic: compacted soon after writes, tombstones kept a day for readers that lag. */
export const COMPACTED_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'min.cleanable.dirty.ratio': '0.1',
  'segment.ms': '3600000',
  'delete.retention.ms': '86400000'
}

/** Creates the compacted topic when missing (ensureTopics waits until its leaders serve it). */
export async function ensureCompactedTopic (kafka: Kafka, topic: string, partitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, { prefix: '', partitions, only: [], extra: [{ topic, partitions, configs: { ...COMPACTED_CONFIGS } }] })
  } finally {
    await admin.disconnect()
  }
}
