import type { Admin } from 'kafkajs'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { CampaignsConfig } from './config.ts'

export interface CampaignsTopics {
  requests: string
  results: string
  statuses: string
  messages: string
  events: string
  alerts: string
  campaigns: string
  audience: string
  commands: string
  /** Egress's compacted numbers topic (rates); read when it exists. */
  numbers: string
}

export function campaignsTopics (config: CampaignsConfig): CampaignsTopics {
  const names = topicNames(config.TOPIC_PREFIX)
  return {
    requests: names.outboundRequests,
    results: names.outboundResults,
    statuses: names.inboundStatuses,
    messages: names.inboundMessages,
    events: names.inboundEvents,
    alerts: names.alerts,
    campaigns: config.CAMPAIGNS_TOPIC,
    audience: config.CAMPAIGNS_AUDIENCE_TOPIC,
    commands: config.CAMPAIGNS_COMMANDS_TOPIC,
    numbers: `${config.TOPIC_PREFIX}.egress.numbers`
  }
}

// Compacted: the latest value per key is the state; tombstones stay a day for lagging readers.
const COMPACTED = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1', 'segment.ms': '3600000', 'delete.retention.ms': '86400000' }

/**
 * Creates the topics campaigns read and write when missing: the gateway's requests, results,
 * statuses, messages, events and alerts, the two compacted topics (one partition each: every
 * instance reads them whole) and the commands topic (KAFKA_TOPIC_PARTITIONS: the unit of ownership).
 */
export async function ensureCampaignsTopics (admin: Admin, config: CampaignsConfig, logger: Logger): Promise<CampaignsTopics> {
  const topics = campaignsTopics(config)
  const ensured = await ensureTopics(admin, {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    only: ['outboundRequests', 'outboundResults', 'inboundStatuses', 'inboundMessages', 'inboundEvents', 'alerts'],
    extra: [
      { topic: topics.campaigns, partitions: 1, configs: COMPACTED },
      // Audience chunks are up to 1,000 recipients (≈ 100 KB); 8 MiB leaves room for long parameters.
      { topic: topics.audience, partitions: 1, configs: { ...COMPACTED, 'max.message.bytes': String(8 * 1024 * 1024) } },
      { topic: topics.commands, configs: { 'retention.ms': String(7 * 24 * 3600_000) } }
    ]
  })
  for (const m of ensured.mismatched) logger.warn(m, 'topic has another partition count than configured')
  return topics
}
