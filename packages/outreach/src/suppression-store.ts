import type { Kafka } from 'kafkajs'
import { createProducer, createTopicView } from '@wabridge/kafka'
import { suppressionActive, suppressionKey, type Codec, type Suppression, type SuppressionReason } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { ensureCompactedTopic } from './compacted-topic.ts'

/** The suppression list as a reader sees it (egress, the campaigns service). */
export interface SuppressionView {
  /** Creates the topic when missing, reads it from the beginning, then follows it. */
  start(): Promise<void>
  stop(): Promise<void>
  /** The recipient's suppression in `scope` when one holds at `now` (default the clock), else undefined. */
  isSuppressed(scope: string, waId: string, now?: number): Suppression | undefined
  /** Suppressions held in memory (expired ones included until they are tombstoned). */
  readonly size: number
}

export interface SuppressionListFilter {
  scope?: string | undefined
  reason?: SuppressionReason | undefined
  /** At most this many, newest first. */
  limit?: number | undefined
  /** Expired ones too (default: only those that hold now). */
  all?: boolean | undefined
}

/** The suppression list with its writers: the feeder, the HTTP routes and the CLI. */
export interface SuppressionStore extends SuppressionView {
  /** Writes the suppression (key suppressionKey(scope, wa_id)), acknowledged, and applies it. */
  add(s: Suppression): Promise<void>
  /** Lifts the recipient's suppression with a tombstone; false when there is none. */
  remove(scope: string, waId: string): Promise<boolean>
  /** The stored suppression, active or not. */
  get(scope: string, waId: string): Suppression | undefined
  /** Newest first. */
  list(filter?: SuppressionListFilter): Suppression[]
  /** Resolves once every record written to the topic before the call has been applied. */
  catchUp(): Promise<void>
}

export interface SuppressionStoreOptions {
  kafka: Kafka
  /** The compacted topic, `${TOPIC_PREFIX}.suppressions`. */
  topic: string
  codec: Codec
  /** Epoch ms. Default Date.now. */
  clock?: (() => number) | undefined
  /** Default: silent (for short-lived users such as the CLI). */
  logger?: Logger | undefined
  /** Partitions when the topic is created. Default 1 (every reader reads the whole topic anyway). */
  partitions?: number | undefined
  /** How often expired suppressions are tombstoned, ms. Default 3600000; 0 = only at start. */
  sweepIntervalMs?: number | undefined
  /** Called when the reader dies for good (default: thrown as an uncaught exception, see createConsumer). */
  onCrash?: ((err: Error) => void) | undefined
}

/** The suppression list of `${TOPIC_PREFIX}.suppressions`, read whole into memory by every instance. */
export function createSuppressionStore (options: SuppressionStoreOptions): SuppressionStore {
  const o = { ...options, logger: options.logger ?? createLogger({ level: 'silent', name: 'outreach' }) }
  const clock = o.clock ?? Date.now
  const entries = new Map<string, Suppression>()
  const producer = createProducer(o.kafka)
  let sweeper: NodeJS.Timeout | undefined
  const reader = createTopicView({
    topic: o.topic,
    groupIdPrefix: 'wabridge-outreach.suppressions',
    ...(o.onCrash && { onCrash: o.onCrash }),
    onRecord: async (key, value) => {
      if (value === null) {
        entries.delete(key)
        return
      }
      try {
        entries.set(key, (await o.codec.deserialize(value, 'Suppression')).value)
      } catch (err) {
        o.logger.warn({ err, topic: o.topic, key }, 'suppression record skipped: not a Suppression')
      }
    }
  }, { kafka: o.kafka, logger: o.logger })

  const tombstone = async (keys: string[]) => {
    if (keys.length === 0) return
    await producer.send(keys.map((key) => ({ topic: o.topic, key, value: null })))
    for (const key of keys) entries.delete(key)
  }

  /** Expired suppressions are lifted already; their tombstones let compaction forget them. */
  async function sweep (): Promise<void> {
    const now = clock()
    try {
      await tombstone([...entries].filter(([, s]) => !suppressionActive(s, now)).map(([key]) => key))
    } catch (err) {
      o.logger.warn({ err, topic: o.topic }, 'expired suppressions not tombstoned; next sweep retries')
    }
  }

  return {
    async start () {
      await ensureCompactedTopic(o.kafka, o.topic, o.partitions ?? 1)
      await producer.start()
      await reader.start()
      o.logger.info({ topic: o.topic, suppressions: entries.size }, 'suppression list loaded')
      await sweep()
      const every = o.sweepIntervalMs ?? 3_600_000
      if (every > 0) {
        sweeper = setInterval(() => { void sweep() }, every)
        sweeper.unref()
      }
    },
    async stop () {
      if (sweeper) clearInterval(sweeper)
      await reader.stop()
      await producer.stop()
    },
    isSuppressed (scope, waId, now = clock()) {
      const s = entries.get(suppressionKey(scope, waId))
      return s !== undefined && suppressionActive(s, now) ? s : undefined
    },
    get size () { return entries.size },
    async add (s) {
      const key = suppressionKey(s.scope, s.wa_id)
      await producer.send([{ topic: o.topic, key, value: await o.codec.serialize(o.topic, 'Suppression', s) }])
      entries.set(key, s)
    },
    async remove (scope, waId) {
      const key = suppressionKey(scope, waId)
      if (!entries.has(key)) return false
      await tombstone([key])
      return true
    },
    get: (scope, waId) => entries.get(suppressionKey(scope, waId)),
    list (filter = {}) {
      const now = clock()
      const rows = [...entries.values()]
        .filter((s) => (filter.all === true || suppressionActive(s, now)) &&
          (filter.scope === undefined || s.scope === filter.scope) &&
          (filter.reason === undefined || s.reason === filter.reason))
        .sort((a, b) => b.created_at - a.created_at)
      return filter.limit === undefined ? rows : rows.slice(0, filter.limit)
    },
    catchUp: () => reader.catchUp()
  }
}
