import type { Batch } from 'kafkajs'
import { extractTraceContext, fromKafkaHeaders } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { createDelivery, writeFinal, type DeliveryDeps } from './delivery.ts'
import { ConcurrencyGate, NumberLane, type LaneTimers } from './number-lane.ts'
import { OffsetTracker } from './offset-tracker.ts'
import type { PartitionSession } from './partition-session.ts'
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
  delivery: DeliveryDeps
  timers: LaneTimers
  /** Starts this instance's session for a partition it was assigned (fencing the previous owner). */
  openSession: (partition: number, committable: () => bigint | undefined, onLost: () => void) => PartitionSession
  onPause: (partition: number) => void
  onResume: (partition: number) => void
  logger: { warn(obj: object, msg: string): void }
}

/** Requests handled between two turns of the event loop while a fetched batch is taken in. */
const YIELD_EVERY = 32
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

interface PartitionState {
  session: PartitionSession
  tracker: OffsetTracker
  paused: boolean
  /** Jobs of this partition not finished yet (queued, running, or writing their result). */
  working: number
  /**
   * Request ids being worked on → the onFinal of later records with the same id (a producer that
   * retried wrote the request twice): those wait for the first one's result instead of becoming a
   * second job, which would find the first one's started marker and decide it a second time.
   */
  active: Map<string, Array<() => void>>
}

/**
 * Routes consumed requests into per-number lanes, tracks which offsets are finished, and holds
 * one session per partition this instance owns. No send of a partition starts before its session
 * is ready (previous owner fenced, history read back), and every send's "started" marker is
 * committed through that session first, so a partition's sends come from its current owner only.
 * A rebalance does not stop the partitions an instance keeps: their lanes go on sending.
 */
export function createDispatcher (options: DispatcherOptions, deps: DispatcherDeps) {
  const gate = new ConcurrencyGate(options.maxInFlight)
  const partitions = new Map<number, PartitionState>()
  const lanes = new Map<string, { lane: NumberLane, partition: number }>()
  /** Sessions of revoked partitions that still write the results of sends in flight. */
  const closing = new Set<Promise<void>>()

  function laneFor (phoneNumberId: string, partition: number): NumberLane {
    let entry = lanes.get(phoneNumberId)
    if (!entry || entry.partition !== partition) {
      entry = { lane: new NumberLane({ rateLimit: options.rateFor(phoneNumberId), marginMs: options.marginMs, gate, timers: deps.timers }), partition }
      lanes.set(phoneNumberId, entry)
    }
    return entry.lane
  }

  function closeLanes (partition: number): void {
    for (const [number, entry] of lanes) {
      if (entry.partition === partition) { entry.lane.close(); lanes.delete(number) }
    }
  }

  function finished (partition: number, state: PartitionState, offset: string): void {
    state.working--
    state.tracker.done(offset)
    if (state.paused && state.tracker.pendingCount <= options.maxBufferedPerPartition / 2 && partitions.get(partition) === state) {
      state.paused = false
      deps.onResume(partition)
    }
  }

  /** Lets a revoked partition's sends in flight write their results (until its new owner fences it), then ends its session. */
  function release (partition: number, state: PartitionState): void {
    closeLanes(partition)
    const done = (async () => {
      const deadline = Date.now() + 30_000
      while (state.working > 0 && state.session.state !== 'lost' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      await state.session.close()
    })()
    closing.add(done)
    void done.finally(() => closing.delete(done))
  }

  function open (partition: number): void {
    const tracker = new OffsetTracker()
    const state: PartitionState = { session: undefined as unknown as PartitionSession, tracker, paused: false, working: 0, active: new Map() }
    state.session = deps.openSession(partition, () => {
      const offset = tracker.committable()
      return offset === undefined ? undefined : BigInt(offset)
    }, () => {
      // Fenced (another instance owns it now) or closed: its queued work is the new owner's.
      if (partitions.get(partition) === state) {
        partitions.delete(partition)
        closeLanes(partition)
      }
    })
    partitions.set(partition, state)
  }

  return {
    gate,
    lanes,
    /**
     * The new assignment: revoked partitions are released, new ones opened. Kept partitions go on
     * as they were (their sessions are still valid: no one else took them).
     */
    assigned (owned: number[]): void {
      const keep = new Set(owned)
      for (const [partition, state] of [...partitions]) {
        if (keep.has(partition)) continue
        partitions.delete(partition)
        release(partition, state)
      }
      for (const partition of owned) if (!partitions.has(partition)) open(partition)
    },
    /** kafkajs eachBatch handler. */
    async handleBatch (batch: Batch, resolveOffset: (offset: string) => void, heartbeat: () => Promise<void>, isActive: () => boolean): Promise<void> {
      const state = partitions.get(batch.partition)
      if (!state) return
      // Taking a partition over can take a while (grace for the previous owner, history read back):
      // the member keeps heartbeating meanwhile.
      const outcome = { ready: undefined as boolean | undefined }
      void state.session.ready.then(() => { outcome.ready = true }, () => { outcome.ready = false })
      while (outcome.ready === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        if (outcome.ready === undefined) await heartbeat()
      }
      if (!outcome.ready) return
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
        // After a rebalance kafkajs fetches a kept partition again from its committed offset:
        // what this instance already took in is not taken twice.
        if (!state.tracker.add(message.offset)) { resolveOffset(message.offset); continue }
        const headers = fromKafkaHeaders(message.headers)
        const source: SourceRecord = {
          topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, contentType: headers.contentType
        }
        const decoded = await decodeRequest(deps.codec, source)
        state.working++
        const ownFinal = () => finished(batch.partition, state, message.offset)
        const requestId = decoded.ok ? decoded.request.requestId : undefined
        const waiting = requestId === undefined ? undefined : state.active.get(requestId)
        if (waiting) waiting.push(ownFinal)
        else if (requestId !== undefined) state.active.set(requestId, [])
        const onFinal = requestId === undefined
          ? ownFinal
          : () => {
              const followers = state.active.get(requestId) ?? []
              state.active.delete(requestId)
              ownFinal()
              for (const follow of followers) follow()
            }
        if (waiting) {
          deps.delivery.metrics.skipped('duplicate-in-progress')
        } else if (!decoded.ok) {
          deps.delivery.metrics.invalid()
          const invalid = deps.delivery.outputs.invalid(source, decoded.reason, decoded.partial, deps.delivery.clock())
          if (state.session.ledger.get(invalid.requestId).kind === 'final') onFinal()
          else void writeFinal(state.session, deps.delivery.outputs, deps.delivery.instance, source.offset, invalid.result, invalid.deadLetter).then((written) => { if (written) onFinal() })
        } else {
          const job = createDelivery(deps.delivery, state.session, decoded.request, source, onFinal, extractTraceContext(message.headers))
          laneFor(decoded.request.record.phone_number_id, batch.partition).enqueue({ ...job, cancel: () => { state.working-- } })
        }
        resolveOffset(message.offset)
        if (!state.paused && state.tracker.pendingCount >= options.maxBufferedPerPartition) {
          state.paused = true
          deps.onPause(batch.partition)
        }
      }
      await heartbeat()
    },
    buffered (): number {
      let n = 0
      for (const state of partitions.values()) n += state.tracker.pendingCount
      return n
    },
    /** Partitions and their session states, for /readyz. */
    sessions (): Array<{ partition: number, state: string }> {
      return [...partitions].map(([partition, s]) => ({ partition, state: s.session.state }))
    },
    /** Stops every lane (queued work stays uncommitted, for the next owner), lets sends in flight finish, commits, ends the sessions. */
    async close (deadline: number): Promise<void> {
      for (const { lane } of lanes.values()) lane.close()
      lanes.clear()
      while (gate.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      for (const [partition, state] of [...partitions]) {
        partitions.delete(partition)
        release(partition, state)
      }
      await Promise.all([...closing])
    },
    owned (): number[] { return [...partitions.keys()] }
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
