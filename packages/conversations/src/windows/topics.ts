import type { Admin } from 'kafkajs'
import { ensureTopics } from '@wabridge/kafka'

/** The topics of the windows: the two inbound topics they are built from and the compacted state. */
export interface WindowTopics {
  /** `${prefix}.inbound.messages` (key `{phone_number_id}:{wa_id}`). */
  messages: string
  /** `${prefix}.inbound.statuses` (key `{phone_number_id}:{wa_id}`). */
  statuses: string
  /** `${prefix}.windows` (compacted, key windowKey, value CustomerWindow). */
  windows: string
}

export function windowTopics (prefix: string): WindowTopics {
  return { messages: `${prefix}.inbound.messages`, statuses: `${prefix}.inbound.statuses`, windows: `${prefix}.windows` }
}

/** Configs of wa.windows: compacted soon after writes, tombstones kept a day for readers that lag. */
export const WINDOWS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'min.cleanable.dirty.ratio': '0.2',
  'segment.ms': '3600000',
  'delete.retention.ms': '86400000'
}

export interface EnsureWindowTopicsOptions {
  prefix: string
  /** Partitions of topics created here (KAFKA_TOPIC_PARTITIONS). */
  partitions: number
  replicationFactor?: number | undefined
  allowSingleReplica?: boolean | undefined
  topics?: WindowTopics | undefined
}

/** Creates the inbound messages and statuses topics and the compacted windows topic when missing. */
export async function ensureWindowTopics (admin: Admin, options: EnsureWindowTopicsOptions): Promise<void> {
  const topics = options.topics ?? windowTopics(options.prefix)
  const standard = topics.messages === `${options.prefix}.inbound.messages` && topics.statuses === `${options.prefix}.inbound.statuses`
  await ensureTopics(admin, {
    prefix: options.prefix,
    partitions: options.partitions,
    replicationFactor: options.replicationFactor,
    allowSingleReplica: options.allowSingleReplica,
    only: standard ? ['inboundMessages', 'inboundStatuses'] : [],
    extra: [
      ...(standard ? [] : [{ topic: topics.messages }, { topic: topics.statuses }]),
      { topic: topics.windows, configs: { ...WINDOWS_TOPIC_CONFIGS } }
    ]
  })
}
