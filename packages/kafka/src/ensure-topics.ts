import type { Admin } from 'kafkajs'
import { TOPIC_SPECS, topicNames, type TopicKey } from './topics.ts'

export interface EnsureTopicsOptions {
  /** Topic prefix (TOPIC_PREFIX). */
  prefix: string
  /** Partitions for every created topic. Requests, results and DLQ must share a count (co-partitioned). */
  partitions: number
  replicationFactor: number
  /** Only these logical topics (default: all). */
  only?: readonly TopicKey[]
  /** Overrides of topic configs, per logical topic (e.g. { inboundRaw: { 'retention.ms': '…' } }). */
  configs?: Partial<Record<TopicKey, Record<string, string>>>
  /** Extra topics by full name with their partition count (e.g. a service's changelog). */
  extra?: ReadonlyArray<{ topic: string, partitions?: number, configs?: Record<string, string> }>
}

export interface EnsureTopicsResult {
  created: string[]
  existing: string[]
  /** Existing topics whose partition count differs from the requested one (left as they are). */
  mismatched: Array<{ topic: string, partitions: number, wanted: number }>
}

/**
 * Creates the missing gateway topics; never deletes or alters an existing one. Safe to call from
 * several processes at once: a topic created concurrently by someone else counts as existing.
 */
export async function ensureTopics (admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  const names = topicNames(options.prefix)
  const wanted = TOPIC_SPECS
    .filter((spec) => !options.only || options.only.includes(spec.key))
    .map((spec) => ({
      topic: names[spec.key],
      numPartitions: options.partitions,
      configs: { ...spec.configs, ...options.configs?.[spec.key] }
    }))
  for (const extra of options.extra ?? []) {
    wanted.push({ topic: extra.topic, numPartitions: extra.partitions ?? options.partitions, configs: extra.configs ?? {} })
  }
  const present = new Set(await admin.listTopics())
  const missing = wanted.filter((t) => !present.has(t.topic))
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value }))
      }))
    })
    // KRaft: a broker may answer "not the leader" for a moment after the controller created the
    // topic. Clients then back off for seconds; wait here until every new partition's leader
    // serves offset requests instead.
    for (const t of missing) await waitUntilServed(admin, t.topic)
  }
  const existingTopics = wanted.filter((t) => present.has(t.topic))
  const mismatched: EnsureTopicsResult['mismatched'] = []
  if (existingTopics.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: existingTopics.map((t) => t.topic) })
    for (const t of meta.topics) {
      const want = existingTopics.find((w) => w.topic === t.name)?.numPartitions
      if (want !== undefined && t.partitions.length !== want) mismatched.push({ topic: t.name, partitions: t.partitions.length, wanted: want })
    }
  }
  return { created: missing.map((t) => t.topic), existing: existingTopics.map((t) => t.topic), mismatched }
}

async function waitUntilServed (admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await admin.fetchTopicOffsets(topic)
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
