import type { Admin, ConfigResourceTypes, Kafka, PartitionMetadata } from 'kafkajs'

// kafkajs' ConfigResourceTypes enum is not a named export Node's ESM loader can see in its CommonJS.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes
const BROKER_RESOURCE = 4 as ConfigResourceTypes

/** Kafka's default message.max.bytes (1 MiB plus the 12-byte log overhead), when a cluster tells nothing. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588

/** What a producer must know about a topic before it writes to it. */
export interface TopicLimit {
  /** The effective max.message.bytes: the largest record batch one partition accepts, bytes. */
  maxMessageBytes: number
  /** The topic's partitions (id, leader), as the partitioner takes them. */
  partitions: PartitionMetadata[]
}

const positive = (value: string | undefined) => {
  const n = value === undefined ? NaN : Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/**
 * The smallest message.max.bytes of the cluster's brokers (the broker-wide default of
 * max.message.bytes), or DEFAULT_MAX_MESSAGE_BYTES when no broker reports one.
 */
export async function fetchBrokerMessageMaxBytes (admin: Admin): Promise<number> {
  const { brokers } = await admin.describeCluster()
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: brokers.map((b) => ({ type: BROKER_RESOURCE, name: String(b.nodeId), configNames: ['message.max.bytes'] }))
  })
  const values = described.resources.flatMap((r) => r.configEntries.map((e) => positive(e.configValue)).filter((v) => v !== undefined))
  return values.length > 0 ? Math.min(...values) : DEFAULT_MAX_MESSAGE_BYTES
}

/**
 * The effective max.message.bytes of each topic: the topic's own setting, or (when the broker
 * reports none for it) the brokers' message.max.bytes. Rejects with kafkajs' error when a topic
 * does not exist or the cluster cannot be asked.
 */
export async function fetchMaxMessageBytes (admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  if (topics.length === 0) return out
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: ['max.message.bytes'] }))
  })
  for (const r of described.resources) {
    const value = positive(r.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue)
    if (value !== undefined) out.set(r.resourceName, value)
  }
  const missing = topics.filter((t) => !out.has(t))
  if (missing.length > 0) {
    const brokerDefault = await fetchBrokerMessageMaxBytes(admin)
    for (const t of missing) out.set(t, brokerDefault)
  }
  return out
}

/** max.message.bytes and partitions of each topic (one describeConfigs and one metadata request). */
export async function fetchTopicLimits (admin: Admin, topics: readonly string[]): Promise<Map<string, TopicLimit>> {
  const [bytes, metadata] = await Promise.all([fetchMaxMessageBytes(admin, topics), admin.fetchTopicMetadata({ topics: [...topics] })])
  const out = new Map<string, TopicLimit>()
  for (const t of metadata.topics) {
    const maxMessageBytes = bytes.get(t.name)
    if (maxMessageBytes === undefined || t.partitions.length === 0) continue
    out.set(t.name, { maxMessageBytes, partitions: [...t.partitions].sort((a, b) => a.partitionId - b.partitionId) })
  }
  const unknown = topics.filter((t) => !out.has(t))
  if (unknown.length > 0) throw new Error(`no metadata for topic(s) ${unknown.join(', ')}`)
  return out
}

export interface TopicLimitsOptions {
  /** How long a topic's limits are used before they are fetched again (in the background), ms. Default 300000, like kafkajs' metadataMaxAge. */
  maxAgeMs?: number
  /** How long to wait after a failed background refresh before the next one, ms. Default 5000. */
  refreshBackoffMs?: number
  /** Current time, ms (injected for tests). Default Date.now. */
  now?: () => number
}

/** A cache of TopicLimit per topic, shared by a producer and whoever sizes records for it. */
export interface TopicLimits {
  /** The limits of `topics`: cached ones at once, missing ones fetched (concurrent calls share a fetch). */
  get(topics: readonly string[]): Promise<Map<string, TopicLimit>>
  /** The cached limit of `topic`, without I/O; a stale one is refreshed in the background. */
  peek(topic: string): TopicLimit | undefined
  /** Forgets `topics`, so the next get() fetches them (e.g. after the broker refused a batch as too large). */
  invalidate(topics: readonly string[]): void
  /** Disconnects the admin client (a later get() connects again). Idempotent. */
  close(): Promise<void>
}

interface Entry { limit: TopicLimit, fetchedAt: number }

/** A TopicLimits over its own admin client of `kafka`, connected on first use. */
export function createTopicLimits (kafka: Kafka, options: TopicLimitsOptions = {}): TopicLimits {
  const maxAgeMs = options.maxAgeMs ?? 300_000
  const refreshBackoffMs = options.refreshBackoffMs ?? 5000
  const now = options.now ?? Date.now
  const cache = new Map<string, Entry>()
  const loading = new Map<string, Promise<void>>()
  let connecting: Promise<Admin> | undefined
  let refreshing = false
  let nextRefreshAt = 0

  function connected (): Promise<Admin> {
    connecting ??= (async () => {
      const a = kafka.admin()
      try {
        await a.connect()
      } catch (err) {
        connecting = undefined
        await a.disconnect().catch(() => {})
        throw err
      }
      return a
    })()
    return connecting
  }

  async function fetchInto (topics: readonly string[]): Promise<void> {
    const fetched = await fetchTopicLimits(await connected(), topics)
    const at = now()
    for (const [topic, limit] of fetched) cache.set(topic, { limit, fetchedAt: at })
  }

  function refreshStale (): void {
    if (refreshing || !connecting || now() < nextRefreshAt) return
    const stale = [...cache].filter(([, e]) => now() - e.fetchedAt >= maxAgeMs).map(([topic]) => topic)
    if (stale.length === 0) return
    refreshing = true
    // A failed refresh keeps the old limits: better than none while the cluster is unreachable.
    fetchInto(stale).catch(() => { nextRefreshAt = now() + refreshBackoffMs }).finally(() => { refreshing = false })
  }

  return {
    async get (topics) {
      const missing = [...new Set(topics)].filter((t) => !cache.has(t) && !loading.has(t))
      if (missing.length > 0) {
        const load = fetchInto(missing).finally(() => { for (const t of missing) loading.delete(t) })
        for (const t of missing) loading.set(t, load)
      }
      await Promise.all(topics.flatMap((t) => loading.get(t) ?? []))
      const out = new Map<string, TopicLimit>()
      for (const t of topics) {
        const entry = cache.get(t)
        if (!entry) throw new Error(`no limits for topic ${t}`)
        out.set(t, entry.limit)
      }
      refreshStale()
      return out
    },
    peek (topic) {
      const entry = cache.get(topic)
      if (entry && now() - entry.fetchedAt >= maxAgeMs) refreshStale()
      return entry?.limit
    },
    invalidate (topics) {
      for (const t of topics) cache.delete(t)
    },
    async close () {
      const closing = connecting
      connecting = undefined
      if (!closing) return
      await closing.then((a) => a.disconnect(), () => {})
    }
  }
}
