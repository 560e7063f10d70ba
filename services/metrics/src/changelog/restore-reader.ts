import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import { parseChangelogKey, tpKey, type Source } from '../state/keys.ts'
import { applyEntry, createTable, type TpTable } from '../state/table.ts'
import { FETCH_BYTES_PER_PARTITION } from './changelog-view.ts'

export interface RestoreRequest {
  source: Source
  partition: number
  /** The changelog partition holding the input partition's entries. */
  changelogPartition: number
  /** The barrier the new owner committed: everything before it is the partition's state. */
  nonce: string
}

export interface RestoreReaderOptions {
  topic: string
  /** Prefix of the readers' private consumer groups (they never commit). */
  groupIdPrefix: string
  /** Requests arriving this close together share one read, ms. */
  gatherMs?: number
  /** A read that has not found every barrier by then fails (the restores retry), ms. */
  timeoutMs?: number
  /** Most dedup entries per partition (METRICS_DEDUP_MAX_ENTRIES). */
  seenCapacity?: number
}

export interface RestoreReader {
  /**
   * Reads the partition's whole committed table (dedup and reach entries included, which the view
   * does not keep) from the start of its changelog partition up to the barrier `nonce`. Rejects when
   * `signal` aborts or the reader stops.
   */
  read(request: RestoreRequest, signal: AbortSignal): Promise<TpTable>
  stop(): Promise<void>
}

interface Pending {
  request: RestoreRequest
  table: TpTable
  resolve: (table: TpTable) => void
  reject: (err: Error) => void
  settled: boolean
}

/**
 * Restores read the changelog themselves, so that an instance holds the dedup and reach entries of
 * the partitions it owns only. Requests that arrive together (an assignment) share one read: a
 * private consumer reads, from the beginning and read_committed, only the changelog partitions they
 * need (the others are paused), and stops once every barrier has been read.
 */
export function createRestoreReader (options: RestoreReaderOptions, deps: { kafka: Kafka, logger: Logger }): RestoreReader {
  const gatherMs = options.gatherMs ?? 20
  const timeoutMs = options.timeoutMs ?? 120_000
  let queue: Pending[] = []
  let running: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let current: { batch: Pending[], finish: () => void } | undefined
  let stopped = false

  function schedule (): void {
    if (running || timer || queue.length === 0 || stopped) return
    timer = setTimeout(() => {
      timer = undefined
      const batch = queue.filter((p) => !p.settled)
      queue = []
      if (batch.length === 0) return
      running = readOnce(batch)
        .catch((err: unknown) => {
          deps.logger.warn({ err }, 'changelog read for restores failed')
          for (const p of batch) settle(p, new Error('changelog read failed', { cause: err }))
        })
        .finally(() => { running = undefined; schedule() })
    }, gatherMs)
  }

  function settle (p: Pending, outcome: TpTable | Error): void {
    if (p.settled) return
    p.settled = true
    if (outcome instanceof Error) p.reject(outcome)
    else p.resolve(outcome)
  }

  async function readOnce (batch: Pending[]): Promise<void> {
    const byTp = new Map(batch.map((p) => [tpKey(p.request.source, p.request.partition), p]))
    const needed = new Set(batch.map((p) => p.request.changelogPartition))
    let finish: () => void = () => {}
    const finished = new Promise<void>((resolve) => { finish = resolve })
    const open = () => batch.some((p) => !p.settled)
    const consumer = createConsumer(deps.kafka, {
      groupId: `${options.groupIdPrefix}.restore.${randomUUID()}`,
      topics: [options.topic],
      fromBeginning: true,
      maxWaitTimeMs: 100,
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      onCrash: (err) => { for (const p of batch) settle(p, err); finish() }
    })
    current = { batch, finish }
    const deadline = setTimeout(() => {
      for (const p of batch) settle(p, new Error(`restore barrier not read within ${timeoutMs} ms`))
      finish()
    }, timeoutMs)
    consumer.kafkajs.on(consumer.kafkajs.events.GROUP_JOIN, (event) => {
      const mine = event.payload.memberAssignment[options.topic] ?? []
      const idle = mine.filter((p) => !needed.has(p))
      if (idle.length > 0) consumer.pause(options.topic, idle)
    })
    try {
      await consumer.start({
        eachBatch: async ({ batch: fetched, resolveOffset }) => {
          if (!needed.has(fetched.partition)) return
          for (const m of fetched.messages) {
            const parsed = parseChangelogKey(m.key?.toString() ?? '')
            if (!parsed) continue
            const p = byTp.get(tpKey(parsed.source, parsed.partition))
            if (!p || p.settled) continue
            const value = m.value === null ? null : m.value.toString()
            if (parsed.rest === '~') {
              if (value === p.request.nonce) settle(p, p.table)
              continue
            }
            applyEntry(p.table, parsed.rest, value)
          }
          const last = fetched.messages[fetched.messages.length - 1]
          if (last) resolveOffset(last.offset)
          if (!open()) finish()
        }
      })
      if (open()) await finished
    } finally {
      clearTimeout(deadline)
      current = undefined
      await consumer.stop().catch(() => {})
    }
  }

  return {
    read (request, signal) {
      if (stopped) return Promise.reject(new Error('restore reader stopped'))
      return new Promise<TpTable>((resolve, reject) => {
        const p: Pending = { request, table: createTable(options.seenCapacity), resolve, reject, settled: false }
        const onAbort = () => {
          settle(p, new Error('restore abandoned'))
          // Nothing of the running read wanted any more: let it end.
          if (current && !current.batch.some((q) => !q.settled)) current.finish()
        }
        if (signal.aborted) { reject(new Error('restore abandoned')); return }
        signal.addEventListener('abort', onAbort, { once: true })
        queue.push(p)
        schedule()
      })
    },
    async stop () {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = undefined
      for (const p of queue) settle(p, new Error('restore reader stopped'))
      queue = []
      current?.finish()
      await running?.catch(() => {})
    }
  }
}
