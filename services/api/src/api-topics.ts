import type { Kafka } from 'kafkajs'
import { ensureTopics, topicNames, type TopicKey } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { ViewTopics } from './view-feed.ts'

/** The gateway topics the API writes (requests) and reads (results, statuses). */
export const API_TOPICS: readonly TopicKey[] = ['outboundRequests', 'outboundResults', 'inboundStatuses']

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Settings of the scheduled topic when the API creates it (the scheduler and egress create it the
 * same way): 7 days, the scheduler moves each record to its own pending topic moments after it arrives.
 */
export const SCHEDULED_TOPIC_CONFIGS: Readonly<Record<string, string>> = { 'retention.ms': String(7 * DAY_MS) }

/** The topic of requests whose send_at is in the future (the topic contract: `<prefix>.outbound.scheduled`). */
export function scheduledTopicOf (prefix: string): string {
  return `${prefix}.outbound.scheduled`
}

/**
 * Settings of the keys topic: compacted (the latest record per key id is the key's state), one
 * partition (a handful of small records), deleted keys' tombstones kept a day for lagging readers.
 */
export const KEYS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': '3600000', 'delete.retention.ms': '86400000'
}

export function apiTopicsOf (prefix: string, keysTopic: string): ViewTopics {
  const names = topicNames(prefix)
  return { requests: names.outboundRequests, scheduled: scheduledTopicOf(prefix), results: names.outboundResults, statuses: names.inboundStatuses, keys: keysTopic }
}

/**
 * Creates the topics the API reads and writes when missing: the keys topic with 1 partition,
 * compacted; the scheduled topic with as many partitions as the requests topic (keyed alike).
 */
export async function ensureApiTopics (kafka: Kafka, options: { prefix: string, partitions: number, replicationFactor: number, keysTopic: string }, logger: Logger): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const result = await ensureTopics(admin, {
      prefix: options.prefix,
      partitions: options.partitions,
      replicationFactor: options.replicationFactor,
      only: API_TOPICS,
      extra: [
        { topic: options.keysTopic, partitions: 1, configs: { ...KEYS_TOPIC_CONFIGS } },
        { topic: scheduledTopicOf(options.prefix), configs: { ...SCHEDULED_TOPIC_CONFIGS } }
      ],
      onRetry: (err, attempt) => logger.warn({ attempt, reason: err.message }, 'ensuring topics failed, retrying')
    })
    if (result.created.length > 0) logger.info({ topics: result.created }, 'topics created')
    for (const m of result.mismatched) logger.warn(m, 'topic has a different partition count than configured')
  } finally {
    await admin.disconnect()
  }
}
