import type { Batch } from 'kafkajs'
import { extractTraceContext, fromKafkaHeaders } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { createDelivery, type DeliveryDeps } from './delivery.ts'
import type { LedgerReader } from './ledger-reader.ts'
import { ConcurrencyGate, NumberLane, type LaneTimers } from './number-lane.ts'
import { OffsetTracker } from './offset-tracker.ts'
import type { Outputs } from './outputs.ts'
import { decodeRequest, type SourceRecord } from './request-decoder.ts'

export interface DispatcherOptions {
  requestsTopic: string
  rateFor: (phoneNumberId: string) => number
  marginMs: number
  maxBufferedPerPartition: number
  maxInFlight: number
}

export interface DispatcherDeps {
  codec: Codec
  outputs: Outputs
  ledgerReader: LedgerReader
  delivery: Omit<DeliveryDeps, 'sendPermit'>
  timers: LaneTimers
  onPause: (partition: number) => void
  onResume: (partition: number) => void
}

/** Requests handled between two turns of the event loop while a fetched batch is taken in. */
const YIELD_EVERY = 32
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

interface PartitionState {
  tracker: OffsetTracker
  ready: Promise<void>
  paused: boolean
  lastCommitted: string | undefined
}

/**
 * Routes consumed requests into per-number lanes, tracks which offsets are finished, and knows
 * which partitions this instance owns. While the group rebalances no send starts (a fence), so a
 * partition's new owner can never race this instance for the same request.
 */
export function createDispatcher (options: DispatcherOptions, deps: DispatcherDeps) {
  const gate = new ConcurrencyGate(options.maxInFlight)
  const partitions = new Map<number, PartitionState>()
  const lanes = new Map<string, { lane: NumberLane, partition: number }>()
  let fence: { promise: Promise<void>, lift: () => void } | undefined = makeFence()

  function makeFence () {
    let lift!: () => void
    const promise = new Promise<void>((resolve) => { lift = resolve })
    return { promise, lift }
  }

  /** Waits out a rebalance; true when the partition is still ours afterwards. */
  async function sendPermit (partition: number): Promise<boolean> {
    // `fence` is replaced by assigned() while we wait; a new rebalance may set another one.
    // eslint-disable-next-line no-unmodified-loop-condition
    while (fence) await fence.promise
    return partitions.has(partition)
  }

  const delivery: DeliveryDeps = { ...deps.delivery, sendPermit }

  function laneFor (phoneNumberId: string, partition: number): NumberLane {
    let entry = lanes.get(phoneNumberId)
    if (!entry || entry.partition !== partition) {
      entry = { lane: new NumberLane({ rateLimit: options.rateFor(phoneNumberId), marginMs: options.marginMs, gate, timers: deps.timers }), partition }
      lanes.set(phoneNumberId, entry)
    }
    return entry.lane
  }

  function finished (partition: number, state: PartitionState, offset: string): void {
    state.tracker.done(offset)
    if (state.paused && state.tracker.pendingCount <= options.maxBufferedPerPartition / 2 && partitions.get(partition) === state) {
      state.paused = false
      deps.onResume(partition)
    }
  }

  return {
    gate,
    lanes,
    /** Something the rebalance protocol says: stop starting sends until the new assignment is known. */
    rebalancing (): void {
      fence ??= makeFence()
      deps.ledgerReader.rewatch()
    },
    /** The new assignment: drop revoked partitions (their queued work is the new owner's), load new ones. */
    assigned (owned: number[]): void {
      const keep = new Set(owned)
      for (const partition of [...partitions.keys()]) {
        if (keep.has(partition)) continue
        partitions.delete(partition)
        deps.ledgerReader.unload(partition)
        for (const [number, entry] of lanes) {
          if (entry.partition === partition) { entry.lane.close(); lanes.delete(number) }
        }
      }
      for (const partition of owned) {
        if (partitions.has(partition)) continue
        const ready = deps.ledgerReader.load(partition)
        ready.catch(() => {})
        partitions.set(partition, { tracker: new OffsetTracker(), ready, paused: false, lastCommitted: undefined })
      }
      const lifted = fence
      fence = undefined
      lifted?.lift()
    },
    /** kafkajs eachBatch handler. */
    async handleBatch (batch: Batch, resolveOffset: (offset: string) => void, heartbeat: () => Promise<void>, isActive: () => boolean): Promise<void> {
      const state = partitions.get(batch.partition)
      if (!state) return
      await state.ready
      let sinceYield = 0
      for (const message of batch.messages) {
        // A batch can hold thousands of requests; their decoding must not hold up the lanes'
        // timers and the Graph API answers, which is what keeps every number at its rate.
        if (++sinceYield === YIELD_EVERY) {
          sinceYield = 0
          await yieldToEventLoop()
          await heartbeat()
        }
        if (!isActive() || partitions.get(batch.partition) !== state) return
        const headers = fromKafkaHeaders(message.headers)
        const source: SourceRecord = {
          topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, contentType: headers.contentType
        }
        state.tracker.add(message.offset)
        const decoded = await decodeRequest(deps.codec, source)
        if (!decoded.ok) {
          deps.delivery.metrics.invalid()
          await deps.outputs.invalid(source, decoded.reason, decoded.partial)
          state.tracker.done(message.offset)
        } else {
          const onFinal = () => finished(batch.partition, state, message.offset)
          const job = createDelivery(delivery, decoded.request, source, onFinal, extractTraceContext(message.headers))
          laneFor(decoded.request.record.phone_number_id, batch.partition).enqueue(job)
        }
        resolveOffset(message.offset)
        if (!state.paused && state.tracker.pendingCount >= options.maxBufferedPerPartition) {
          state.paused = true
          deps.onPause(batch.partition)
        }
      }
      await heartbeat()
    },
    /** Offsets to commit now: per owned partition, the lowest unfinished one, when it moved. */
    committable (): Array<{ partition: number, offset: string }> {
      const out = []
      for (const [partition, state] of partitions) {
        const offset = state.tracker.committable()
        if (offset !== undefined && offset !== state.lastCommitted) out.push({ partition, offset })
      }
      return out
    },
    committed (partition: number, offset: string): void {
      const state = partitions.get(partition)
      if (state) state.lastCommitted = offset
    },
    buffered (): number {
      let n = 0
      for (const state of partitions.values()) n += state.tracker.pendingCount
      return n
    },
    /** Stops every lane (queued work stays uncommitted, for the next owner). */
    close (): void {
      for (const { lane } of lanes.values()) lane.close()
      lanes.clear()
    },
    owned (): number[] { return [...partitions.keys()] }
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
