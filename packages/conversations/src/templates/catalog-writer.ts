import type { Admin, Kafka } from 'kafkajs'
import { Mutex } from 'async-mutex'
import pRetry from 'p-retry'
import type { GraphApiClient } from '@wabridge/graph-api'
import { createConsumer, createProducer, ensureTopics, topicNames, type WabridgeConsumer } from '@wabridge/kafka'
import { SchemaError, templateKey, type Codec, type InboundEvent, type TemplateEntry } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { createTemplateCatalogView, entryKey, TEMPLATES_TOPIC_CONFIGS, templatesTopic, type TemplateCatalogView } from './catalog-view.ts'
import { templateAlert } from './template-alerts.ts'
import { planSync } from './template-sync.ts'
import { applyTemplateWebhook, parseTemplateWebhook } from './template-webhooks.ts'

/** Fields asked of GET /{waba}/message_templates. */
export const TEMPLATE_LIST_FIELDS = ['name', 'language', 'status', 'category', 'sub_category', 'parameter_format', 'components', 'id'] as const

export interface TemplateCatalogWriterOptions {
  kafka: Kafka
  /** Used to create the topics (inbound events, alerts, the catalogue) and by the view. */
  admin: Admin
  codec: Codec
  logger: Logger
  graph: GraphApiClient
  /** TOPIC_PREFIX: reads `<prefix>.inbound.events`, writes `<prefix>.templates` and `<prefix>.alerts`. */
  prefix: string
  /** The configured WABAs: synced at start and every syncIntervalMs. */
  wabas: readonly string[]
  /** The access token of a WABA (undefined: that WABA cannot be synced). */
  tokenFor: (wabaId: string) => string | undefined
  /** Period of the full sync, ms (CONVERSATIONS_TEMPLATE_SYNC_MS). 0 = only at start and on demand. */
  syncIntervalMs: number
  /** Templates per listing page (`limit`). Default 100. */
  pageSize?: number
  /** Group of the webhook consumer (default `<prefix>.conversations.templates`). */
  groupId?: string
  /** Partitions of wa.inbound.events and wa.alerts when they are created (KAFKA_TOPIC_PARTITIONS). */
  partitions?: number
  replicationFactor?: number | undefined
  allowSingleReplica?: boolean | undefined
  sessionTimeoutMs?: number | undefined
  /** Retries of a failed listing, with backoff (p-retry). Default 5 retries, 1 s doubling to 60 s. */
  retry?: { retries?: number, minTimeout?: number, maxTimeout?: number }
  clock?: () => number
  onCrash?: (err: Error) => void
}

/** One template a sync or webhook changed. */
export interface TemplateChange {
  key: string
  name: string
  language: string
  /** written: new or changed; removed: tombstoned (no longer listed). */
  change: 'written' | 'removed'
  status: string | null
  previous_status: string | null
}

/** The outcome of syncing one WABA. */
export interface WabaSyncResult {
  waba_id: string
  ok: boolean
  /** Why the sync failed (after its retries). */
  error?: string
  listed: number
  written: number
  removed: number
  unchanged: number
  changes: TemplateChange[]
  at: number
}

export interface TemplateCatalogWriter {
  /** Creates the topics, reads the catalogue to its end, follows the template webhooks and starts the syncs (the first in the background). */
  start(): Promise<void>
  stop(): Promise<void>
  /** The catalogue as this writer knows it (its own writes applied at once). */
  readonly view: TemplateCatalogView
  /** Syncs the given WABAs (default every configured one) now, each with its retries; never throws. */
  syncNow(wabaIds?: readonly string[]): Promise<WabaSyncResult[]>
  /** The last result per WABA. */
  lastSyncs(): WabaSyncResult[]
  /** True once the catalogue was read to its end and the webhook consumer runs. */
  isReady(): boolean
  /** Whether this instance runs the periodic sync (it holds partition 0 of the events topic). */
  isSyncLeader(): boolean
}

/**
 * The catalogue's writer: lists every configured WABA's templates (all pages) at start and every
 * syncIntervalMs, applies the template webhooks from wa.inbound.events, writes only what changed
 * to the compacted wa.templates (tombstones after a complete listing), and raises template_paused
 * / template_disabled alerts on wa.alerts once per change.
 *
 * Several instances share the webhooks through one consumer group; the periodic sync runs on the
 * one that holds partition 0 of the events topic, a sync asked for (HTTP) on the instance asked.
 */
export function createTemplateCatalogWriter (o: TemplateCatalogWriterOptions): TemplateCatalogWriter {
  const clock = o.clock ?? Date.now
  const topics = { ...topicNames(o.prefix), templates: templatesTopic(o.prefix) }
  const log = o.logger
  const view = createTemplateCatalogView(o.kafka, { topic: topics.templates, codec: o.codec, logger: log, admin: o.admin, createTopic: false, groupIdPrefix: `${o.groupId ?? `${o.prefix}.conversations.templates`}.catalog`, ...(o.onCrash && { onCrash: o.onCrash }) })
  const producer = createProducer(o.kafka, { lingerMs: 0 })
  const mutex = new Mutex()
  const last = new Map<string, WabaSyncResult>()
  const syncing = new Map<string, Promise<WabaSyncResult>>()
  let consumer: WabridgeConsumer | undefined
  let timer: NodeJS.Timeout | undefined
  let isLeader = false
  let isStarted = false
  let isStopping = false
  const abort = new AbortController()

  /** Writes the entries (and their alerts) acknowledged, then applies them to the view. */
  async function write (records: Array<{ key: string, entry: TemplateEntry | undefined, previous: TemplateEntry | undefined }>): Promise<void> {
    if (records.length === 0) return
    const now = clock()
    const messages = []
    for (const r of records) {
      messages.push({ topic: topics.templates, key: r.key, value: r.entry === undefined ? null : await o.codec.serialize(topics.templates, 'TemplateEntry', r.entry) })
      const alert = templateAlert(r.entry, r.previous, now)
      if (alert) {
        messages.push({ topic: topics.alerts, key: `${alert.name}:${alert.scope}`, value: await o.codec.serialize(topics.alerts, 'Alert', alert) })
        log.warn({ alert: alert.name, state: alert.state, scope: alert.scope }, alert.message)
      }
    }
    await producer.send(messages)
    for (const r of records) view.apply(r.key, r.entry)
  }

  async function listAll (wabaId: string, token: string) {
    const outcome = await o.graph.listTemplates(wabaId, token, { fields: TEMPLATE_LIST_FIELDS, pageSize: o.pageSize ?? 100, maxPages: 1000, signal: abort.signal })
    if (!outcome.ok) {
      const e = outcome.error as { message?: string, code?: number | null } | undefined
      throw new Error(`GET /${wabaId}/message_templates failed: ${e?.message ?? 'unknown error'}${e?.code ? ` (code ${e.code})` : ''}`)
    }
    return outcome.templates
  }

  async function syncWaba (wabaId: string): Promise<WabaSyncResult> {
    const at = clock()
    const token = o.tokenFor(wabaId)
    const failed = (error: string): WabaSyncResult => ({ waba_id: wabaId, ok: false, error, listed: 0, written: 0, removed: 0, unchanged: 0, changes: [], at })
    let result: WabaSyncResult
    if (token === undefined) {
      result = failed('no access token for this WABA (WA_ACCESS_TOKENS or WA_ACCESS_TOKEN)')
    } else {
      try {
        const listed = await pRetry(() => listAll(wabaId, token), {
          retries: o.retry?.retries ?? 5,
          minTimeout: o.retry?.minTimeout ?? 1000,
          maxTimeout: o.retry?.maxTimeout ?? 60_000,
          signal: abort.signal,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => log.warn({ waba: wabaId, attempt: attemptNumber, retriesLeft, err: error }, 'template sync failed; retrying')
        })
        // Planned and written under the lock: a webhook applied meanwhile is not overwritten by a stale plan.
        result = await mutex.runExclusive(async () => {
          const current = new Map(view.list(wabaId).map((e) => [entryKey(e), e]))
          const plan = planSync(wabaId, listed, current, clock())
          await write([...plan.writes, ...plan.tombstones.map((t) => ({ key: t.key, entry: undefined, previous: t.previous }))])
          return {
            waba_id: wabaId,
            ok: true,
            listed: listed.length,
            written: plan.writes.length,
            removed: plan.tombstones.length,
            unchanged: plan.unchanged,
            changes: [
              ...plan.writes.map((w): TemplateChange => ({ key: w.key, name: w.entry.name, language: w.entry.language, change: 'written', status: w.entry.status, previous_status: w.previous?.status ?? null })),
              ...plan.tombstones.map((t): TemplateChange => ({ key: t.key, name: t.previous.name, language: t.previous.language, change: 'removed', status: null, previous_status: t.previous.status }))
            ],
            at
          }
        })
        log.info({ waba: wabaId, listed: result.listed, written: result.written, removed: result.removed }, 'templates synced')
      } catch (err) {
        if (!isStopping) log.error({ err, waba: wabaId }, 'template sync failed; the next sync tries again')
        result = failed((err as Error).message)
      }
    }
    last.set(wabaId, result)
    return result
  }

  /** One sync per WABA at a time: a second ask joins the one under way. */
  function syncOnce (wabaId: string): Promise<WabaSyncResult> {
    const running = syncing.get(wabaId)
    if (running) return running
    const p = syncWaba(wabaId).finally(() => syncing.delete(wabaId))
    syncing.set(wabaId, p)
    return p
  }

  const syncNow = async (wabaIds: readonly string[] = o.wabas) => await Promise.all([...new Set(wabaIds)].map(syncOnce))

  function syncInBackground (why: string, wabaIds?: readonly string[]): void {
    if (isStopping) return
    log.info({ why, wabas: wabaIds ?? o.wabas }, 'template sync')
    syncNow(wabaIds).catch((err: unknown) => log.error({ err }, 'template sync failed'))
  }

  async function onEvent (value: Buffer): Promise<void> {
    const event = (await o.codec.deserialize(value, 'InboundEvent')).value as InboundEvent
    const change = parseTemplateWebhook(event)
    if (!change) return
    const configured = o.wabas.includes(change.wabaId)
    let isNew = false
    await mutex.runExclusive(async () => {
      const key = templateKey(change.wabaId, change.name, change.language)
      const previous = view.lookup(change.wabaId, change.name, change.language)
      isNew = previous === undefined
      const next = applyTemplateWebhook(previous, change, clock(), event.received_at)
      if (next) await write([{ key, entry: next, previous }])
    })
    if (!configured) {
      log.warn({ waba: change.wabaId, field: change.field, template: change.name, language: change.language }, 'template webhook for a WABA that is not configured: kept in the catalogue, never synced')
    } else if (isNew) {
      syncInBackground(`webhook for an unknown template ${change.name} (${change.language})`, [change.wabaId])
    }
  }

  return {
    view,
    syncNow,
    lastSyncs: () => [...last.values()],
    isReady: () => isStarted,
    isSyncLeader: () => isLeader,
    async start () {
      await ensureTopics(o.admin, {
        prefix: o.prefix,
        partitions: o.partitions ?? 1,
        replicationFactor: o.replicationFactor,
        allowSingleReplica: o.allowSingleReplica,
        only: ['inboundEvents', 'alerts'],
        extra: [{ topic: topics.templates, partitions: 1, configs: { ...TEMPLATES_TOPIC_CONFIGS } }]
      })
      await producer.start()
      await view.start()
      await view.catchUp()
      consumer = createConsumer(o.kafka, {
        groupId: o.groupId ?? `${o.prefix}.conversations.templates`,
        topics: [topics.inboundEvents],
        fromBeginning: true,
        ...(o.sessionTimeoutMs !== undefined && { sessionTimeoutMs: o.sessionTimeoutMs }),
        ...(o.onCrash && { onCrash: o.onCrash }),
        onAssignment: (assignment) => {
          const leads = assignment[topics.inboundEvents]?.includes(0) ?? false
          if (leads && !isLeader) syncInBackground('this instance leads the periodic sync')
          isLeader = leads
        }
      })
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const m of batch.messages) {
            if (m.value !== null) {
              try {
                await onEvent(m.value)
              } catch (err) {
                if (isStopping) return
                // A record that is no InboundEvent is skipped; a write that failed is retried (the batch again).
                if (err instanceof SchemaError && !err.retryable) log.warn({ err, offset: m.offset }, 'inbound event skipped: not an InboundEvent')
                else throw err
              }
            }
            resolveOffset(m.offset)
            await heartbeat()
          }
          await consumer!.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }])
        }
      })
      if (o.syncIntervalMs > 0) {
        timer = setInterval(() => { if (isLeader) syncInBackground('periodic') }, o.syncIntervalMs)
        timer.unref()
      }
      isStarted = true
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      isStarted = false
      clearInterval(timer)
      abort.abort()
      await consumer?.stop()
      await Promise.allSettled([...syncing.values()])
      await view.stop()
      await producer.stop()
    }
  }
}
