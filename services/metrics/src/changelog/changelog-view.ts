import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, fetchTopicOffsetsRetrying, type WabridgeConsumer } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
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
}

/** A caught-up view whose fetches return nothing for this long has read everything there is, ms. */
const IDLE_MS = 3000

/** Bytes per changelog partition in one fetch of the view and of restores. */
export const FETCH_BYTES_PER_PARTITION = 256 * 1024

/**
 * Reads the whole changelog (read_committed, so only committed flushes) into tables of counters,
 * alert state and facts (not dedup or reach entries): the source of every query and of the other
 * partitions' state in alert rules, identical on every instance once caught up.
 */
export function createChangelogView (options: ChangelogViewOptions, deps: ChangelogViewDeps): ChangelogView {
  const index = createViewIndex()
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

  return {
    index,
    get isCaughtUp () { return caughtUp },
    async start () {
      for (const { partition, offset } of await fetchTopicOffsetsRetrying(deps.admin, options.topic)) {
        if (BigInt(offset) > 0n) targets.set(partition, BigInt(offset))
      }
      if (targets.size === 0) markCaughtUp('empty changelog')
      consumer = createConsumer(deps.kafka, {
        groupId: `${options.groupIdPrefix}.view.${randomUUID()}`,
        topics: [options.topic],
        fromBeginning: true,
        maxWaitTimeMs: 250,
        // Small fetches: a changelog read at startup holds a whole fetch decoded at once (kafkajs'
        // 1 MB per partition is about 15,000 entries of each of the 12 partitions).
        maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
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
            applyChangelog(index, m.key?.toString() ?? '', m.value === null ? null : m.value.toString())
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
