import type { Batch } from 'kafkajs'
import { extractTraceContext, fromKafkaHeaders, RELEASED_HEADER } from '@wabridge/kafka'
import { MAX_SEND_AHEAD_MS, type Codec, type OutboundRequest } from '@wabridge/schemas'
import { createDelivery, unattemptedResult, writeFinal, type DeliveryDeps } from './delivery.ts'
import { SEND_NOW_TOLERANCE_MS, writeForward } from './forward.ts'
import type { CircuitBreakers } from './circuit-breakers.ts'
import { ConcurrencyGate, NumberLane, type LaneTimers } from './number-lane.ts'
import { OffsetTracker } from './offset-tracker.ts'
import type { PartitionSession } from './partition-session.ts'
import { decodeRequest, priorityOf, type SourceRecord } from './request-decoder.ts'
import { suppressedError } from './suppressions.ts'

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
  /** Makes the partition's next fetch start at `offset` (kafkajs seek): parked requests are fetched again. */
  onSeek: (partition: number, offset: bigint) => void
  /**
   * Where requests whose send_at is in the future go (the scheduled topic), and the partition of a
   * key there (the same key hash as every producer's).
   */
  forward: { topic: string, partitionFor: (key: Buffer | null) => number }
  /** The circuit breakers; none = every number always sends. */
  breakers?: CircuitBreakers
  logger: { warn(obj: object, msg: string): void }
}

/**
 * Requests of a number whose breaker is open that stay in its lane (the rest stay in Kafka): one
 * for the probe, a few more so that the lane resumes without waiting for a fetch.
 */
export const KEPT_WHILE_OPEN = 4

/**
 * Requests of a number with an open breaker that this partition did not take in (they stay in
 * Kafka): `from` is the lowest of them, so no commit passes it. Once the breaker closes the
 * partition is fetched again from the lowest `from` (`replaying`): those records are taken in then,
 * in their order, and everything else fetched again is skipped as already taken in.
 */
interface Parked {
  from: bigint
  replaying: boolean
  /** Records skipped since the breaker opened (fetched again on replay: a count of fetches, not of distinct requests). */
  skipped: number
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
  /** Parked numbers of this partition (see Parked). */
  parked: Map<string, Parked>
  /** Offsets taken in on a replay, below the tracker's highest: unfinished until done. */
  late: Set<bigint>
}

function lowest (values: Iterable<bigint>): bigint | undefined {
  let min: bigint | undefined
  for (const v of values) if (min === undefined || v < min) min = v
  return min
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
      const breakers = deps.breakers
      entry = {
        lane: new NumberLane({
          rateLimit: options.rateFor(phoneNumberId),
          marginMs: options.marginMs,
          gate,
          timers: deps.timers,
          ...(breakers && {
            breaker: {
              admit: () => breakers.admit(phoneNumberId),
              ended: (result, probe) => {
                if (result.kind === 'blocked') breakers.tripped(phoneNumberId, result.trip, probe)
                else if (probe && result.kind === 'done' && result.reached === true) breakers.probeSucceeded(phoneNumberId)
                else if (probe) breakers.probeInconclusive(phoneNumberId)
              }
            }
          })
        }),
        partition
      }
      lanes.set(phoneNumberId, entry)
    }
    return entry.lane
  }

  function closeLanes (partition: number): void {
    for (const [number, entry] of lanes) {
      if (entry.partition === partition) { entry.lane.close(); lanes.delete(number) }
    }
  }

  const pending = (state: PartitionState) => state.tracker.pendingCount + state.late.size

  function finished (partition: number, state: PartitionState, offset: string): void {
    state.working--
    if (!state.late.delete(BigInt(offset))) state.tracker.done(offset)
    maybeResume(partition, state)
  }

  function maybeResume (partition: number, state: PartitionState): void {
    if (state.paused && pending(state) <= options.maxBufferedPerPartition / 2 && partitions.get(partition) === state) {
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
    const state: PartitionState = { session: undefined as unknown as PartitionSession, tracker, paused: false, working: 0, active: new Map(), parked: new Map(), late: new Set() }
    state.session = deps.openSession(partition, () => {
      // Never past an unfinished request, one taken in late, or one left in Kafka for an open breaker.
      const offset = tracker.committable()
      const bound = lowest([...(offset === undefined ? [] : [BigInt(offset)]), ...state.late, ...[...state.parked.values()].map((p) => p.from)])
      return bound
    }, () => {
      // Fenced (another instance owns it now) or closed: its queued work is the new owner's.
      if (partitions.get(partition) === state) {
        partitions.delete(partition)
        closeLanes(partition)
      }
    })
    partitions.set(partition, state)
  }

  /** Whether a fresh record of `number` stays in Kafka: its breaker is open and its lane holds enough to probe with. */
  function shouldPark (number: string): boolean {
    return deps.breakers?.isBlocked(number) === true && (lanes.get(number)?.lane.size ?? 0) >= KEPT_WHILE_OPEN
  }

  /**
   * Whether a fetched record is taken in: a fresh one unless its number is parked (or must be now);
   * one fetched again only when a replay of its number reaches it.
   */
  function take (state: PartitionState, offset: bigint, number: string | undefined, seenFresh: boolean): boolean {
    // Checked again here, synchronously: the caller's check came before decoding yielded, and a batch
    // fetched again after a rebalance may have taken the same offset in meanwhile.
    const fresh = seenFresh && state.tracker.isNew(offset)
    if (fresh) {
      // Every record before a fresh one was fetched again: the replays are complete.
      for (const [n, p] of state.parked) if (p.replaying) state.parked.delete(n)
      const p = number === undefined ? undefined : state.parked.get(number)
      if (p) { p.skipped++; return false }
      if (number !== undefined && shouldPark(number)) { state.parked.set(number, { from: offset, replaying: false, skipped: 1 }); return false }
      state.tracker.add(String(offset))
      return true
    }
    const p = number === undefined ? undefined : state.parked.get(number)
    if (!p || !p.replaying || offset < p.from) return false
    // The breaker opened again during the replay: the rest stays in Kafka.
    if (shouldPark(number!)) { p.replaying = false; p.from = offset; p.skipped = 1; return false }
    p.from = offset + 1n
    state.late.add(offset)
    return true
  }

  /** A breaker opened: the queued requests of the numbers it stops go back to Kafka but a few, so their partitions go on. */
  function parkBlocked (): void {
    for (const [number, entry] of lanes) {
      if (!deps.breakers?.isBlocked(number)) continue
      const state = partitions.get(entry.partition)
      if (!state) continue
      const evicted = entry.lane.evictQueued(KEPT_WHILE_OPEN)
      if (evicted.length === 0) continue
      const from = lowest(evicted.map((job) => job.offset!))!
      const p = state.parked.get(number)
      if (p) { p.from = p.replaying ? from : (p.from < from ? p.from : from); p.replaying = false; p.skipped += evicted.length } else {
        state.parked.set(number, { from, replaying: false, skipped: evicted.length })
      }
      for (const job of evicted) job.evict?.()
      maybeResume(entry.partition, state)
    }
  }

  /** A breaker closed: partitions holding parked requests of numbers no longer stopped fetch them again. */
  function replayUnblocked (): void {
    for (const [partition, state] of partitions) {
      let seekTo: bigint | undefined
      for (const [number, p] of state.parked) {
        if (deps.breakers?.isBlocked(number)) continue
        p.replaying = true
        p.skipped = 0
        if (seekTo === undefined || p.from < seekTo) seekTo = p.from
      }
      if (seekTo !== undefined) deps.onSeek(partition, seekTo)
    }
  }

  deps.breakers?.onChange((change) => {
    if (change.type === 'opened') parkBlocked()
    else if (change.type === 'closed') replayUnblocked()
    // Lanes waiting for a probe elsewhere (WABA, token) look again.
    if (change.type !== 'opened') for (const { lane } of lanes.values()) lane.pump()
  })

  return {
    gate,
    lanes,
    /** Parked requests per number on this instance (records left in Kafka for an open breaker). */
    parkedCount (number: string): number {
      let n = 0
      for (const state of partitions.values()) n += state.parked.get(number)?.skipped ?? 0
      return n
    },
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
        // After a rebalance kafkajs fetches a kept partition again from its committed offset, and a
        // replay (a breaker closed) fetches it again from its lowest parked request: what this
        // instance already took in is not taken twice.
        const offset = BigInt(message.offset)
        const fresh = state.tracker.isNew(offset)
        if (!fresh && ![...state.parked.values()].some((p) => p.replaying)) { resolveOffset(message.offset); continue }
        const headers = fromKafkaHeaders(message.headers)
        const source: SourceRecord = {
          topic: batch.topic, partition: batch.partition, offset: message.offset, key: message.key, value: message.value, contentType: headers.contentType
        }
        const decoded = await decodeRequest(deps.codec, source)
        // Decoding yields: a breaker may have closed meanwhile (a seek makes this batch stale).
        if (!isActive() || partitions.get(batch.partition) !== state) return
        const number = decoded.ok ? decoded.request.record.phone_number_id : undefined
        if (!take(state, offset, number, fresh)) { resolveOffset(message.offset); continue }
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
        /** A failed result and dead letter, without a Graph API call. */
        const refuse = (reason: string, partial: Partial<OutboundRequest> | undefined) => {
          deps.delivery.metrics.invalid()
          const invalid = deps.delivery.outputs.invalid(source, reason, partial, deps.delivery.clock())
          if (state.session.ledger.get(invalid.requestId).kind === 'final') onFinal()
          else void writeFinal(state.session, deps.delivery.outputs, deps.delivery.instance, source.offset, invalid.result, invalid.deadLetter).then((written) => { if (written !== 'lost') onFinal() })
        }
        const now = deps.delivery.clock()
        const sendAt = decoded.ok ? decoded.request.record.send_at ?? null : null
        if (waiting) {
          deps.delivery.metrics.skipped('duplicate-in-progress')
        } else if (!decoded.ok) {
          refuse(decoded.reason, decoded.partial)
        } else if (sendAt !== null && sendAt > now + MAX_SEND_AHEAD_MS) {
          refuse(`send_at is more than 365 days ahead (${new Date(sendAt).toISOString()}; at most ${new Date(now + MAX_SEND_AHEAD_MS).toISOString()})`, decoded.request.record)
        } else if (sendAt !== null && sendAt > now + SEND_NOW_TOLERANCE_MS && message.headers?.[RELEASED_HEADER] === undefined) {
          // (A request the scheduler released is due, whatever this instance's clock says.)
          // To be sent later: handed to the scheduler, which releases the same request id here at its time.
          const ledger = state.session.ledger
          if (ledger.get(requestId!).kind === 'final') {
            deps.delivery.metrics.skipped('already-final')
            onFinal()
          } else if (ledger.wasForwarded(requestId!, offset)) {
            deps.delivery.metrics.skipped('already-forwarded')
            onFinal()
          } else {
            const record = { topic: deps.forward.topic, partition: deps.forward.partitionFor(message.key), key: message.key, value: message.value, headers: message.headers ?? {} }
            void writeForward(state.session, record, { kind: 'forwarded', requestId: requestId!, sourceOffset: source.offset, instance: deps.delivery.instance }).then((written) => {
              if (!written) return
              onFinal()
            })
          }
        } else if (state.session.ledger.get(requestId!).kind === 'new' && deps.delivery.suppressionOf?.(decoded.request.record)) {
          // A bulk request to a suppressed recipient: not sent, no dead letter (it is not an error to fix).
          const error = suppressedError(deps.delivery.suppressionOf(decoded.request.record)!)
          const result = unattemptedResult(decoded.request, source, 'failed', now, { error })
          void writeFinal(state.session, deps.delivery.outputs, deps.delivery.instance, source.offset, result).then((written) => {
            if (written === 'lost') return
            if (written === 'written') deps.delivery.metrics.result(result.phone_number_id, 'failed', error.code, 'bulk', error.class)
            onFinal()
          })
        } else {
          const job = createDelivery(deps.delivery, state.session, decoded.request, source, onFinal, extractTraceContext(message.headers))
          const evict = () => {
            // Left to Kafka for an open breaker (the parked bound holds the commit): done here.
            const followers = state.active.get(requestId!) ?? []
            state.active.delete(requestId!)
            state.working--
            if (!state.late.delete(offset)) state.tracker.done(message.offset)
            for (const follow of followers) follow()
          }
          laneFor(decoded.request.record.phone_number_id, batch.partition).enqueue({ ...job, offset, evict, cancel: () => { state.working-- }, priority: priorityOf(decoded.request.record) })
        }
        resolveOffset(message.offset)
        if (!state.paused && pending(state) >= options.maxBufferedPerPartition) {
          state.paused = true
          deps.onPause(batch.partition)
        }
      }
      await heartbeat()
    },
    buffered (): number {
      let n = 0
      for (const state of partitions.values()) n += pending(state)
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
