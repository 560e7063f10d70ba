import type { Admin, Kafka } from 'kafkajs'
import { createTopicView, ensureTopics, type TopicView } from '@wabridge/kafka'
import { normalizeLanguageCode, templateKey, type Codec, type TemplateEntry } from '@wabridge/schemas'
import { checkTemplateSend, type TemplateCheck, type TemplateMessageInput } from './template-check.ts'

/** The catalogue topic of a prefix: `<prefix>.templates`. */
export const templatesTopic = (prefix: string) => `${prefix}.templates`

/** Configs of the compacted catalogue: compacted soon after writes, tombstones kept a day for readers that lag. */
export const TEMPLATES_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  'cleanup.policy': 'compact',
  'min.cleanable.dirty.ratio': '0.1',
  'segment.ms': '3600000',
  'delete.retention.ms': '86400000'
}

/** A change of one entry as the view applied it (entry undefined = tombstoned). */
export type TemplateChangeListener = (entry: TemplateEntry | undefined, previous: TemplateEntry | undefined, key: string) => void

export interface TemplateCatalogViewOptions {
  /** TOPIC_PREFIX; the topic is `<prefix>.templates` unless `topic` is given. */
  prefix?: string
  topic?: string
  codec: Codec
  logger: { info (obj: object, msg: string): void, warn (obj: object, msg: string): void }
  /** Used for creating the topic and reading its end offsets; a short-lived one when absent. */
  admin?: Admin
  /** Partitions when the view creates the topic (default 1: a catalogue holds at most 250 templates per WABA). */
  partitions?: number
  /** Prefix of the view's throw-away consumer group (default 'wabridge-templates'). */
  groupIdPrefix?: string
  /** Create the topic when missing (default true). */
  createTopic?: boolean
  onCrash?: (err: Error) => void
}

export interface TemplateCatalogView {
  /** Creates the topic when missing and starts reading it from the beginning; does not wait for the end (caughtUp does). */
  start(): Promise<void>
  stop(): Promise<void>
  /** Resolves true once everything written before start() was read, false at the deadline (epoch ms) or once stopped. */
  caughtUp(deadline: number): Promise<boolean>
  isCaughtUp(): boolean
  /** Resolves once every record written before the call has been read. */
  catchUp(): Promise<void>
  /** The entry of that template in that language (en-US and en_US are one). */
  lookup(wabaId: string, name: string, language: string): TemplateEntry | undefined
  /**
   * True when a sync has listed the WABA (at least one of its entries was read from the Graph API):
   * the catalogue is complete for it, so a template it lacks does not exist. A WABA known only from
   * webhooks (not configured) is not.
   */
  hasWaba(wabaId: string): boolean
  /** Every entry, or those of one WABA, sorted by name then language. */
  list(wabaId?: string): TemplateEntry[]
  /** Languages the catalogue knows for a template name in a WABA. */
  languagesOf(wabaId: string, name: string): string[]
  /** checkTemplateSend with the entry looked up and the known languages in the refusal. */
  check(wabaId: string, template: TemplateMessageInput): TemplateCheck
  /** Calls `listener` on every applied change; returns the function that removes it. */
  onChange(listener: TemplateChangeListener): () => void
  /** Applies an entry this process wrote before it comes back from the topic (the writer's read-your-writes). */
  apply(key: string, entry: TemplateEntry | undefined): void
  readonly size: number
}

/**
 * The template catalogue (compacted `wa.templates`) read whole into memory, from the beginning and
 * then as it grows: what egress checks template sends against, what the campaigns service watches
 * for paused templates, and the writer's own state.
 */
export function createTemplateCatalogView (kafka: Kafka, options: TemplateCatalogViewOptions): TemplateCatalogView {
  const topic = options.topic ?? templatesTopic(options.prefix ?? 'wa')
  const entries = new Map<string, TemplateEntry>()
  /** Entries per WABA, for list/languagesOf; synced ones (synced_at set) for hasWaba. */
  const byWaba = new Map<string, Set<string>>()
  const syncedByWaba = new Map<string, Set<string>>()
  const index = (map: Map<string, Set<string>>, waba: string, key: string, add: boolean) => {
    let keys = map.get(waba)
    if (add) {
      if (!keys) map.set(waba, keys = new Set())
      keys.add(key)
    } else if (keys) {
      keys.delete(key)
      if (keys.size === 0) map.delete(waba)
    }
  }
  const listeners = new Set<TemplateChangeListener>()
  let view: TopicView | undefined
  let started: Promise<void> | undefined
  let isCaughtUp = false
  let isStopped = false
  const wakers = new Set<() => void>()
  /** Keys this process applied before the topic gave them back: the version's updated_at, null for a tombstone. */
  const applied = new Map<string, number | null>()

  function set (key: string, entry: TemplateEntry | undefined): void {
    const previous = entries.get(key)
    if (entry === undefined) {
      if (previous === undefined) return
      entries.delete(key)
      index(byWaba, previous.waba_id, key, false)
      index(syncedByWaba, previous.waba_id, key, false)
    } else {
      entries.set(key, entry)
      index(byWaba, entry.waba_id, key, true)
      index(syncedByWaba, entry.waba_id, key, entry.synced_at !== null)
    }
    for (const l of listeners) {
      try { l(entry, previous, key) } catch (err) { options.logger.warn({ err, key }, 'template change listener failed') }
    }
  }

  async function ensureTopic (): Promise<void> {
    const partitions = options.partitions ?? 1
    const admin = options.admin ?? kafka.admin()
    if (!options.admin) await admin.connect()
    try {
      await ensureTopics(admin, { prefix: '', partitions, only: [], extra: [{ topic, partitions, configs: { ...TEMPLATES_TOPIC_CONFIGS } }] })
    } finally {
      if (!options.admin) await admin.disconnect()
    }
  }

  const sorted = (list: TemplateEntry[]) => list.sort((a, b) => a.name.localeCompare(b.name) || a.language.localeCompare(b.language))

  const catalog: TemplateCatalogView = {
    async start () {
      if (options.createTopic !== false) await ensureTopic()
      view = createTopicView({
        topic,
        groupIdPrefix: options.groupIdPrefix ?? 'wabridge-templates',
        ...(options.onCrash && { onCrash: options.onCrash }),
        onRecord: async (key, value) => {
          const local = applied.get(key)
          if (value === null || value.length === 0) {
            if (local === undefined || local === null) {
              applied.delete(key)
              set(key, undefined)
            }
            return
          }
          try {
            const entry = (await options.codec.deserialize(value, 'TemplateEntry')).value
            // This process's own write comes back after it was applied (apply): older versions before it are skipped.
            if (local !== undefined) {
              if (local === null || entry.updated_at < local) return
              applied.delete(key)
            }
            set(key, entry)
          } catch (err) {
            options.logger.warn({ err, topic, key }, 'template record skipped: not a TemplateEntry')
          }
        }
      }, { kafka, ...(options.admin && { admin: options.admin }), logger: options.logger })
      started = view.start().then(() => {
        isCaughtUp = true
        for (const wake of [...wakers]) wake()
      })
      started.catch((err: unknown) => { if (!isStopped) options.logger.warn({ err, topic }, 'template catalogue view failed to start') })
    },
    async stop () {
      if (isStopped) return
      isStopped = true
      for (const wake of [...wakers]) wake()
      await view?.stop()
    },
    async caughtUp (deadline) {
      for (;;) {
        if (isCaughtUp) return true
        const left = deadline - Date.now()
        if (isStopped || left <= 0) return false
        await new Promise<void>((resolve) => {
          const timer = setTimeout(wake, Math.min(left, 1000))
          function wake () { clearTimeout(timer); wakers.delete(wake); resolve() }
          wakers.add(wake)
        })
      }
    },
    isCaughtUp: () => isCaughtUp,
    async catchUp () {
      if (!view) throw new Error('the template catalogue view is not started')
      await started
      await view.catchUp()
    },
    lookup: (wabaId, name, language) => entries.get(templateKey(wabaId, name, language)),
    hasWaba: (wabaId) => syncedByWaba.has(wabaId),
    list (wabaId) {
      if (wabaId === undefined) return sorted([...entries.values()])
      return sorted([...byWaba.get(wabaId) ?? []].map((k) => entries.get(k)!))
    },
    languagesOf (wabaId, name) {
      return [...byWaba.get(wabaId) ?? []].map((k) => entries.get(k)!).filter((e) => e.name === name).map((e) => e.language).sort()
    },
    check (wabaId, template) {
      const t = template as { name?: unknown, language?: { code?: unknown } }
      const name = typeof t.name === 'string' ? t.name : ''
      const entry = catalog.lookup(wabaId, name, typeof t.language?.code === 'string' ? t.language.code : '')
      return checkTemplateSend(entry, template, entry ? {} : { knownLanguages: catalog.languagesOf(wabaId, name) })
    },
    onChange (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    apply (key, entry) {
      applied.set(key, entry === undefined ? null : entry.updated_at)
      set(key, entry)
    },
    get size () { return entries.size }
  }
  return catalog
}

/** The key of an entry (templateKey of its WABA, name and language). */
export const entryKey = (e: Pick<TemplateEntry, 'waba_id' | 'name' | 'language'>) => templateKey(e.waba_id, e.name, normalizeLanguageCode(e.language))
