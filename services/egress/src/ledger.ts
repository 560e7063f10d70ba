import type { OutboundResult, ResultStatus } from '@wabridge/schemas'

/**
 * What the attempts topic says about requests. Every record egress writes for a request goes to
 * the attempts partition of the request's partition, in the same Kafka transaction as the result
 * it accompanies, so the attempts partition alone is the complete history of its requests:
 *
 * - `attempt` — attempt n is about to leave ('started', written and committed before the HTTP
 *   call), or provably did not leave ('not-sent': Meta refused it, or the connection never opened);
 * - `final` — the request's final result was written (with its status; an unknown result's whole
 *   value rides along, so that a later owner can settle it);
 * - `settled` — the settlement record of an unknown result was written;
 * - `forwarded` — the request (send_at in the future) was forwarded to the scheduled topic: its
 *   source offset is finished, but its request id is not final (the scheduler releases the same
 *   request id back to the requests topic at its time, and that copy is sent as any other);
 * - `owner` — an instance took the partition over (its first transaction after fencing the
 *   previous owner); reading back up to one's own owner record means the history is complete.
 */
export type LedgerEvent =
  | { kind: 'attempt', requestId: string, sourceOffset: string, attempt: number, state: 'started' | 'not-sent', instance: string, held?: number }
  | { kind: 'final', requestId: string, sourceOffset: string, status: ResultStatus, instance: string, unknown?: OutboundResult }
  | { kind: 'settled', requestId: string, sourceOffset: string, instance: string }
  | { kind: 'forwarded', requestId: string, sourceOffset: string, instance: string }
  | { kind: 'owner', instance: string, epoch: string }

/** A ledger event as read back or written: with its offset in the attempts partition and when it was written. */
export type PlacedEvent = LedgerEvent & { offset: bigint, at: number }

/** What is known about one request that has no final result yet. */
export interface OpenEntry {
  /** Highest attempt number seen in a marker. */
  attempt: number
  /** 'started' = attempt `attempt` may have left; 'not-sent' = it provably did not. */
  state: 'started' | 'not-sent'
  /** Instance that wrote that marker. */
  instance: string
  /** Attempts so far that a circuit breaker held (refused for their number, WABA or token); they do not count as retries. */
  held?: number
  /** Offset of the request in the requests partition. */
  sourceOffset: bigint
  /** When the marker was written, epoch ms (the record's timestamp). */
  at: number
}

export type LedgerView =
  | { kind: 'new' }
  | { kind: 'final', status: ResultStatus }
  | ({ kind: 'open' } & OpenEntry)

/** An unknown result that no status has settled yet. */
export interface Unsettled {
  result: OutboundResult
  offset: bigint
}

/**
 * The memory of one partition of the requests topic: which requests already have a final result
 * (never send those again), which have an attempt that may have left (never repeat it blindly),
 * and which unknown results still wait for settlement. It also knows, for the committed offset,
 * where in the attempts partition the history of every request at or after it begins: that is the
 * offset a later owner reads back from (stored in the commit's metadata), so a backlog of any age
 * is covered and nothing older is read.
 */
export class PartitionLedger {
  readonly #open = new Map<string, OpenEntry>()
  /** Final requests → their status and source offset; insertion order ≈ time order. */
  readonly #finals = new Map<string, { status: ResultStatus, sourceOffset: bigint, at: number }>()
  readonly #unsettled = new Map<string, Unsettled>()
  /** Requests forwarded to the scheduled topic → the source offsets forwarded and when; insertion order ≈ time order. */
  readonly #forwarded = new Map<string, { sourceOffsets: Set<bigint>, at: number }>()
  /** Source offset → offset of the first attempts record about that request. */
  readonly #starts = new Map<bigint, bigint>()
  /** (time, offset) of the attempts records written or read, oldest first, for the dedup window. */
  readonly #marks: Array<{ at: number, offset: bigint }> = []
  /** Offset after the last record applied. */
  #next = 0n
  #settledBy = new Set<string>()

  apply (event: PlacedEvent): void {
    if (event.offset >= this.#next) this.#next = event.offset + 1n
    const last = this.#marks[this.#marks.length - 1]
    if (!last || event.at - last.at >= 1000) this.#marks.push({ at: event.at, offset: event.offset })
    if (event.kind === 'owner') return
    const sourceOffset = BigInt(event.sourceOffset)
    if (!this.#starts.has(sourceOffset)) this.#starts.set(sourceOffset, event.offset)
    switch (event.kind) {
      case 'final':
        this.#open.delete(event.requestId)
        if (!this.#finals.has(event.requestId)) this.#finals.set(event.requestId, { status: event.status, sourceOffset, at: event.at })
        if (event.status === 'unknown' && event.unknown && !this.#settledBy.has(event.requestId)) {
          this.#unsettled.set(event.requestId, { result: event.unknown, offset: event.offset })
        }
        return
      case 'settled':
        this.#settledBy.add(event.requestId)
        this.#unsettled.delete(event.requestId)
        return
      case 'forwarded': {
        const entry = this.#forwarded.get(event.requestId)
        if (entry) entry.sourceOffsets.add(sourceOffset)
        else this.#forwarded.set(event.requestId, { sourceOffsets: new Set([sourceOffset]), at: event.at })
        return
      }
      case 'attempt': {
        // Markers after a final result change nothing: the request is done.
        if (this.#finals.has(event.requestId)) return
        const entry = this.#open.get(event.requestId)
        if (!entry || event.attempt > entry.attempt || (event.attempt === entry.attempt && event.state === 'not-sent')) {
          const held = event.held ?? entry?.held
          this.#open.set(event.requestId, { attempt: event.attempt, state: event.state, instance: event.instance, sourceOffset, at: event.at, ...(held !== undefined && { held }) })
        }
      }
    }
  }

  get (requestId: string): LedgerView {
    const final = this.#finals.get(requestId)
    if (final) return { kind: 'final', status: final.status }
    const open = this.#open.get(requestId)
    return open ? { kind: 'open', ...open } : { kind: 'new' }
  }

  /**
   * Whether the record at `sourceOffset` was forwarded as request `requestId` already (a record
   * fetched again after a crash that came before its offset was committed).
   */
  wasForwarded (requestId: string, sourceOffset: bigint): boolean {
    return this.#forwarded.get(requestId)?.sourceOffsets.has(sourceOffset) === true
  }

  /** Requests whose last attempt was started by an instance other than `instance` and have no result. */
  inDoubtBy (instance: string): string[] {
    const ids: string[] = []
    for (const [id, entry] of this.#open) if (entry.state === 'started' && entry.instance !== instance) ids.push(id)
    return ids
  }

  /** Requests whose last attempt may have left and that have no final result (whoever started them). */
  inDoubt (): Array<{ requestId: string } & OpenEntry> {
    const out = []
    for (const [requestId, entry] of this.#open) if (entry.state === 'started') out.push({ requestId, ...entry })
    return out
  }

  unsettled (): Map<string, Unsettled> { return this.#unsettled }

  /** Offset after the last attempts record applied. */
  get next (): bigint { return this.#next }

  /**
   * Where a later owner must start reading the attempts partition when `committed` is the
   * committed offset of the requests partition: the first record about any request at or after
   * it, about any unknown result still awaiting settlement, and about anything written within
   * the last `dedupWindowMs` (a producer that wrote the same request twice gets it skipped
   * again); the end when there is none.
   */
  startFor (committed: bigint, now: number, dedupWindowMs: number): bigint {
    let start = this.#next
    for (const [sourceOffset, offset] of this.#starts) {
      if (sourceOffset >= committed && offset < start) start = offset
    }
    for (const { offset } of this.#unsettled.values()) if (offset < start) start = offset
    const floor = this.#marks.find((m) => m.at >= now - dedupWindowMs)
    if (floor && floor.offset < start) start = floor.offset
    return start
  }

  /**
   * Forgets what no later decision needs: starts of requests before the committed offset, and
   * final results and forwards both before it and older than the dedup window.
   */
  prune (committed: bigint, now: number, dedupWindowMs: number): void {
    for (const sourceOffset of this.#starts.keys()) if (sourceOffset < committed) this.#starts.delete(sourceOffset)
    const cutoff = now - dedupWindowMs
    for (const [id, final] of this.#finals) {
      if (final.at >= cutoff) break
      if (final.sourceOffset < committed) this.#finals.delete(id)
    }
    for (const [id, forward] of this.#forwarded) {
      if (forward.at >= cutoff) break
      if ([...forward.sourceOffsets].every((o) => o < committed)) this.#forwarded.delete(id)
    }
    while (this.#marks.length > 1 && this.#marks[1]!.at < cutoff) this.#marks.shift()
    if (this.#settledBy.size > 100_000) this.#settledBy = new Set([...this.#settledBy].slice(-50_000))
  }

  get size (): number { return this.#open.size + this.#finals.size }
}
