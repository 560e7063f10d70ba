import type { Kafka } from 'kafkajs'
import { ensureTopics, topicNames, type TopicNames } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'

const DAY_MS = 24 * 60 * 60 * 1000

/** The topics this service reads and writes (names with the prefix). */
export interface WebhookTopics {
  gateway: TopicNames
  /** Compacted, key subscription_id: every instance reads it whole. */
  subscriptions: string
  /** Compacted, key webhook_id: deliveries waiting for a retry; tombstoned once delivered or given up. */
  retry: string
  /** Given-up deliveries, key subscription_id, kept 30 days for replay. */
  failed: string
}

export function webhookTopics (prefix: string): WebhookTopics {
  return {
    gateway: topicNames(prefix),
    subscriptions: `${prefix}.webhooks.subscriptions`,
    retry: `${prefix}.webhooks.retry`,
    failed: `${prefix}.webhooks.failed`
  }
}

export interface EnsureWebhookTopicsOptions {
  prefix: string
  partitions: number
  replicationFactor?: number | undefined
}

/**
 * Creates the source topics it reads, wa.alerts, and its own three topics when missing. The
 * subscriptions topic has one partition (a handful of records read whole by every instance);
 * the retry topic is compacted so that a restart reads only what is still pending.
 */
export async function ensureWebhookTopics (kafka: Kafka, options: EnsureWebhookTopicsOptions, logger: Pick<Logger, 'info' | 'warn'>): Promise<void> {
  const topics = webhookTopics(options.prefix)
  const admin = kafka.admin()
  await admin.connect()
  try {
    const result = await ensureTopics(admin, {
      prefix: options.prefix,
      partitions: options.partitions,
      replicationFactor: options.replicationFactor,
      only: ['inboundMessages', 'inboundStatuses', 'outboundResults', 'alerts'],
      extra: [
        { topic: topics.subscriptions, partitions: 1, configs: { 'cleanup.policy': 'compact' } },
        { topic: topics.retry, configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': String(60 * 60 * 1000), 'delete.retention.ms': String(DAY_MS) } },
        { topic: topics.failed, configs: { 'retention.ms': String(30 * DAY_MS) } }
      ],
      onWarning: (message) => logger.warn(message)
    })
    if (result.created.length > 0) logger.info({ topics: result.created }, 'topics created')
  } finally {
    await admin.disconnect()
  }
}
