import type { WabridgeProducer } from '@wabridge/kafka'
import type { Coordinator } from './coordinator.ts'
import type { PartitionStats } from './partition-worker.ts'
import type { PendingReader } from './pending-reader.ts'
import { readPendingRecord, SCHED_HEADER, type PendingRecord } from './records.ts'

/** A request id as the API shows it. */
export interface ScheduledState {
  request_id: string
  state: 'pending' | 'released' | 'cancelled'
  /** Epoch ms. */
  send_at: number | null
  /** When it was released or cancelled, epoch ms. */
  at: number | null
  partition: number | null
}

export type CancelAnswer =
  | { outcome: 'cancelled' | 'already_cancelled', state: ScheduledState }
  | { outcome: 'released', state: ScheduledState }
  | { outcome: 'not_found' }
  | { outcome: 'requested', partition: number }

export interface ScheduledApi {
  get(id: string): Promise<ScheduledState | undefined>
  cancel(id: string): Promise<CancelAnswer>
  /** This instance's partitions. */
  list(): PartitionStats[]
}

const toState = (id: string, partition: number, r: PendingRecord): ScheduledState | undefined => {
  if (r.state === 'pending') return { request_id: id, state: 'pending', send_at: r.entry.sendAt, at: null, partition }
  if (r.state === 'gone') return undefined
  return { request_id: id, state: r.state, send_at: r.sendAt, at: r.at, partition }
}

/**
 * Answers the HTTP API from this instance's memory when it owns the request, else by reading the
 * pending topic (the whole of it: memory stays flat whatever is pending, at the cost of time). A
 * cancel of a request another instance owns is a command record in the scheduled partition the
 * request came from, carried out by its owner in a transaction; the answer waits for its marker.
 */
export function createScheduledApi (options: { scheduledTopic: string, cancelWaitMs: number, clock: () => number }, deps: { coordinator: Coordinator, reader: PendingReader, producer: WabridgeProducer }): ScheduledApi {
  const { coordinator, reader } = deps

  async function find (id: string): Promise<ScheduledState | undefined> {
    for (const w of coordinator.workers()) {
      const local = w.isReady ? w.local(id) : undefined
      if (local?.state === 'pending') return { request_id: id, state: 'pending', send_at: local.sendAt, at: null, partition: w.partition }
      if (local) return { request_id: id, state: local.state, send_at: local.sendAt, at: local.at, partition: w.partition }
    }
    let found: ScheduledState | undefined
    for (const p of reader.partitions) {
      let latest: PendingRecord | undefined
      await reader.read(p, 0n, await reader.end(p), (m) => { if (m.key?.toString('utf8') === id) latest = readPendingRecord(m) ?? latest })
      const state = latest && toState(id, p, latest)
      if (state?.state === 'pending') return state
      found = state ?? found
    }
    return found
  }

  /** Reads the partition on from `from` until `id` gets a marker; undefined at the deadline. */
  async function awaitMarker (id: string, partition: number, from: bigint): Promise<ScheduledState | undefined> {
    const deadline = Date.now() + options.cancelWaitMs
    let position = from
    while (Date.now() < deadline) {
      const end = await reader.end(partition)
      let state: ScheduledState | undefined
      await reader.read(partition, position, end, (m) => {
        if (m.key?.toString('utf8') !== id) return
        const r = readPendingRecord(m)
        if (r && r.state !== 'pending') state = toState(id, partition, r)
      })
      if (state) return state
      position = end > position ? end : position
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return undefined
  }

  return {
    get: find,
    list: () => coordinator.workers().map((w) => w.stats()).sort((a, b) => a.partition - b.partition),
    async cancel (id) {
      const state = await find(id)
      if (!state || state.partition === null) return { outcome: 'not_found' }
      if (state.state === 'released') return { outcome: 'released', state }
      if (state.state === 'cancelled') return { outcome: 'already_cancelled', state }
      const owner = coordinator.worker(state.partition)
      if (owner?.isReady) {
        const outcome = await owner.cancel(id)
        if (outcome === 'not_found') return { outcome }
        const after = await find(id) ?? { ...state, state: outcome === 'released' ? 'released' : 'cancelled' }
        return outcome === 'released' ? { outcome, state: after } : { outcome, state: after }
      }
      const from = await reader.end(state.partition)
      await deps.producer.send([{
        topic: options.scheduledTopic,
        partition: state.partition,
        key: id,
        value: JSON.stringify({ request_id: id, requested_at: options.clock() }),
        headers: { [SCHED_HEADER.command]: 'cancel', 'content-type': 'application/json' }
      }])
      const marked = await awaitMarker(id, state.partition, from)
      if (!marked) return { outcome: 'requested', partition: state.partition }
      return marked.state === 'released' ? { outcome: 'released', state: marked } : { outcome: 'cancelled', state: marked }
    }
  }
}
