import type { Admin } from 'kafkajs'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { MetricsConfig } from '../config.ts'
import type { Source } from '../state/keys.ts'

export interface MetricsTopics {
  /** Input topic of each source. */
  inputs: Record<Source, string>
  alerts: string
  changelog: string
  /** Partition counts as they are on the cluster. */
  partitions: { changelog: number, results: number, events: number }
}

export const changelogTopicOf = (config: MetricsConfig) => config.METRICS_CHANGELOG_TOPIC ?? `${config.TOPIC_PREFIX}.metrics.changelog`

export function inputTopicsOf (config: MetricsConfig): Record<Source, string> {
  const names = topicNames(config.TOPIC_PREFIX)
  return { m: names.inboundMessages, s: names.inboundStatuses, e: names.inboundEvents, r: names.outboundResults }
}

/** Creates the topics this service reads and writes when missing, and reads their partition counts. */
export async function ensureMetricsTopics (admin: Admin, config: MetricsConfig, logger: Logger): Promise<MetricsTopics> {
  const changelog = changelogTopicOf(config)
  const inputs = inputTopicsOf(config)
  const ensured = await ensureTopics(admin, {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    only: ['inboundMessages', 'inboundStatuses', 'inboundEvents', 'outboundResults', 'alerts'],
    // Compacted: the latest value per key is the state; tombstones stay a day for lagging readers.
    extra: [{ topic: changelog, configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': '3600000', 'delete.retention.ms': '86400000' } }]
  })
  for (const m of ensured.mismatched) logger.warn(m, 'topic has another partition count than configured')
  const meta = await admin.fetchTopicMetadata({ topics: [changelog, inputs.r, inputs.e] })
  const count = (topic: string) => meta.topics.find((t) => t.name === topic)?.partitions.length ?? config.KAFKA_TOPIC_PARTITIONS
  return {
    inputs,
    alerts: topicNames(config.TOPIC_PREFIX).alerts,
    changelog,
    partitions: { changelog: count(changelog), results: count(inputs.r), events: count(inputs.e) }
  }
}
