import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, type WabridgeConsumer } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import { tpKey, type Source } from '../state/keys.ts'
import type { TpTable } from '../state/table.ts'
import { applyChangelog, createViewIndex, type ViewIndex } from './view-index.ts'

export interface ChangelogViewOptions {
  /** The compacted changelog topic. */
  topic: string
  /** Prefix of this view's private consumer group (it never commits; each start reads from the beginning). */
  groupIdPrefix: string
  /** Called when the consumer gives up for good; the service should stop. */
  onCrash?: (err: Error) => void
}

export interface ChangelogViewDeps {
  kafka: Kafka
  admin: Admin
  logger: Logger
}

export interface ChangelogView {
  start(): Promise<void>
  stop(): Promise<void>
  readonly index: ViewIndex
  /** True once everything committed before start() has been read. */
  readonly isCaughtUp: boolean
  /** The latest committed table of one input partition. */
  table(source: Source, partition: number): TpTable | undefined
  /** Resolves once the restore barrier `nonce` of that partition has been read; rejects when `signal` aborts. */
  waitForMarker(source: Source, partition: number, nonce: string, signal: AbortSignal): Promise<void>
}

/** A caught-up view whose fetches return nothing for this long has read everything there is, ms. */
const IDLE_MS = 3000

/**
 * Reads the whole changelog (read_committed, so only committed flushes) into tables: the source
 * of restores and of every query, identical on every instance once caught up.
 */
export function createChangelogView (options: ChangelogViewOptions, deps: ChangelogViewDeps): ChangelogView {
  const index = createViewIndex()
  const waiters = new Map<string, Array<{ nonce: string, resolve: () => void }>>()
  const targets = new Map<number, bigint>()
  let caughtUp = false
  let consumer: WabridgeConsumer | undefined
  let stopped = false
  let lastBatchAt = Infinity
  let idleTimer: NodeJS.Timeout | undefined

  function markCaughtUp (reason: string): void {
    if (caughtUp) return
    caughtUp = true
    if (idleTimer) clearInterval(idleTimer)
    deps.logger.info({ topic: options.topic, reason }, 'changelog view caught up')
  }

  function checkCaughtUp (partition: number, next: bigint): void {
    lastBatchAt = Date.now()
    const target = targets.get(partition)
    if (target !== undefined && next >= target) targets.delete(partition)
    if (targets.size === 0) markCaughtUp('end offsets reached')
  }

  function onMarker (source: Source, partition: number, nonce: string): void {
    const key = tpKey(source, partition)
    const list = waiters.get(key)
    if (!list) return
    for (const w of list.filter((x) => x.nonce === nonce)) w.resolve()
    const rest = list.filter((x) => x.nonce !== nonce)
    if (rest.length > 0) waiters.set(key, rest)
    else waiters.delete(key)
  }

  return {
    index,
    get isCaughtUp () { return caughtUp },
    table: (source, partition) => index.tables.get(tpKey(source, partition)),
    waitForMarker (source, partition, nonce, signal) {
      return new Promise<void>((resolve, reject) => {
        const key = tpKey(source, partition)
        const entry = { nonce, resolve: () => { signal.removeEventListener('abort', onAbort); resolve() } }
        const onAbort = () => {
          waiters.set(key, (waiters.get(key) ?? []).filter((w) => w !== entry))
          reject(new Error('restore barrier abandoned'))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        waiters.set(key, [...(waiters.get(key) ?? []), entry])
      })
    },
    async start () {
      for (const { partition, offset } of await deps.admin.fetchTopicOffsets(options.topic)) {
        if (BigInt(offset) > 0n) targets.set(partition, BigInt(offset))
      }
      if (targets.size === 0) markCaughtUp('empty changelog')
      consumer = createConsumer(deps.kafka, {
        groupId: `${options.groupIdPrefix}.view.${randomUUID()}`,
        topics: [options.topic],
        fromBeginning: true,
        maxWaitTimeMs: 250,
        ...(options.onCrash && { onCrash: options.onCrash })
      })
      // Batches of control records or aborted transactions never reach eachBatch; this event still reports them.
      consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (e) => {
        checkCaughtUp(e.payload.partition, BigInt(e.payload.lastOffset) + 1n)
      })
      // Compaction can remove the records just below an end offset (tombstones, transaction
      // markers), so it may never be reached: nothing fetched for a while means nothing is left.
      consumer.kafkajs.on(consumer.kafkajs.events.GROUP_JOIN, () => { lastBatchAt = Date.now() })
      if (!caughtUp) {
        idleTimer = setInterval(() => { if (Date.now() - lastBatchAt > IDLE_MS) markCaughtUp('nothing left to fetch') }, 250)
        idleTimer.unref()
      }
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            const applied = applyChangelog(index, m.key?.toString() ?? '', m.value === null ? null : m.value.toString())
            if (applied?.marker !== undefined) onMarker(applied.source, applied.partition, applied.marker)
          }
          const last = batch.messages[batch.messages.length - 1]
          if (last) resolveOffset(last.offset)
        }
      })
    },
    async stop () {
      if (stopped) return
      stopped = true
      if (idleTimer) clearInterval(idleTimer)
      await consumer?.stop()
    }
  }
}
