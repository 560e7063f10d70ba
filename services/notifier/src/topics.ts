import type { Admin } from 'kafkajs'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { NotifierConfig } from './config.ts'

export interface NotifierTopics {
  alerts: string
  silences: string
  log: string
}

// Compacted: the latest value per key is the state; tombstones stay a day for lagging readers.
const COMPACTED = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': '3600000', 'delete.retention.ms': '86400000' }

/** Creates wa.alerts (when missing) and the notifier's two compacted topics (one partition each: they are small and read whole). */
export async function ensureNotifierTopics (admin: Admin, config: NotifierConfig, logger: Logger): Promise<NotifierTopics> {
  const ensured = await ensureTopics(admin, {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    only: ['alerts'],
    extra: [
      { topic: config.NOTIFIER_SILENCES_TOPIC, partitions: 1, configs: COMPACTED },
      { topic: config.NOTIFIER_LOG_TOPIC, partitions: 1, configs: COMPACTED }
    ]
  })
  for (const m of ensured.mismatched) logger.warn(m, 'topic has another partition count than configured')
  return { alerts: topicNames(config.TOPIC_PREFIX).alerts, silences: config.NOTIFIER_SILENCES_TOPIC, log: config.NOTIFIER_LOG_TOPIC }
}
