/** The logical topics of the gateway (brief.md, "Topics"). Names are `<prefix>.<suffix>`. */
export const TOPIC_SUFFIXES = {
  inboundMessages: 'inbound.messages',
  inboundStatuses: 'inbound.statuses',
  inboundEvents: 'inbound.events',
  inboundRaw: 'inbound.raw',
  outboundRequests: 'outbound.requests',
  outboundResults: 'outbound.results',
  outboundDlq: 'outbound.dlq',
  alerts: 'alerts'
} as const

export type TopicKey = keyof typeof TOPIC_SUFFIXES
export type TopicNames = Record<TopicKey, string>

/** Full topic names for a prefix: topicNames('wa').inboundMessages === 'wa.inbound.messages'. */
export function topicNames (prefix: string): TopicNames {
  const names = {} as TopicNames
  for (const [key, suffix] of Object.entries(TOPIC_SUFFIXES)) names[key as TopicKey] = `${prefix}.${suffix}`
  return names
}

/** Per-topic settings beyond partitions and replication, as Kafka topic configs. */
export interface TopicSpec {
  key: TopicKey
  /** Topic-level configs (retention.ms, max.message.bytes, …). */
  configs: Record<string, string>
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Default configs per topic. Retention: inbound events 7 days (Meta retries for 7 days, so a
 * consumer outage of that length loses nothing); the raw archive 30 days; outbound 7 days; the
 * DLQ 30 days so operators have time to replay. The raw topic takes bodies up to Meta's 3 MB.
 */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { key: 'inboundMessages', configs: { 'retention.ms': String(7 * DAY_MS) } },
  { key: 'inboundStatuses', configs: { 'retention.ms': String(7 * DAY_MS) } },
  { key: 'inboundEvents', configs: { 'retention.ms': String(7 * DAY_MS) } },
  { key: 'inboundRaw', configs: { 'retention.ms': String(30 * DAY_MS), 'max.message.bytes': String(8 * 1024 * 1024) } },
  { key: 'outboundRequests', configs: { 'retention.ms': String(7 * DAY_MS) } },
  { key: 'outboundResults', configs: { 'retention.ms': String(7 * DAY_MS) } },
  { key: 'outboundDlq', configs: { 'retention.ms': String(30 * DAY_MS) } },
  { key: 'alerts', configs: { 'retention.ms': String(30 * DAY_MS) } }
]
