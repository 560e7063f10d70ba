import type { Admin } from 'kafkajs'
import { ensureTopics } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { MediaConfig } from './config.ts'

const DAY_MS = 24 * 3600_000

/** The media records' topic: `<prefix>.inbound.media`. */
export const mediaTopicName = (prefix: string): string => `${prefix}.inbound.media`

/**
 * Creates what the worker reads and writes when missing: the inbound messages topic and
 * `<prefix>.inbound.media` (retention 7 days, as the inbound topics: consumers that are days late
 * still find the records; the files stay in the store).
 */
export async function ensureMediaTopics (admin: Admin, config: MediaConfig, logger: Logger): Promise<void> {
  const ensured = await ensureTopics(admin, {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    only: ['inboundMessages'],
    extra: [{ topic: mediaTopicName(config.TOPIC_PREFIX), configs: { 'retention.ms': String(7 * DAY_MS) } }]
  })
  for (const m of ensured.mismatched) logger.warn(m, 'topic has another partition count than configured')
}
