/** What is known about one request from the results and attempts topics. */
export interface LedgerEntry {
  /** A final result exists (accepted, failed, expired or unknown). */
  final: boolean
  /** Highest attempt number seen in an attempt marker, or -1. */
  attempt: number
  /**
   * State of that attempt: 'started' = the request may have left for the Graph API; 'not-sent' =
   * it provably did not go out (Meta refused it, or the connection never opened).
   */
  state: 'started' | 'not-sent' | undefined
  /** Instance that wrote the last marker. */
  instance: string | undefined
  /** When the entry last changed (our clock), for pruning. */
  touchedAt: number
}

export type LedgerEvent =
  | { kind: 'attempt', requestId: string, attempt: number, state: 'started' | 'not-sent', instance: string }
  | { kind: 'result', requestId: string }

interface PartitionLedger {
  /** Requests without a final result, with their latest attempt. */
  open: Map<string, LedgerEntry>
  /** Requests with a final result → when it was noted; insertion order is time order (pruned from the front). */
  finals: Map<string, number>
}

/**
 * The per-partition memory of which requests already have a result or an attempt. Egress
 * consults it before sending, so a request that already has a result is never sent again after
 * a crash, restart or rebalance. It is fed by this instance's own writes and by the ledger reader
 * (what other instances wrote to the partition's results and attempts). A request with a result
 * costs only its id; prune() forgets what is older than the window a new owner reads back.
 */
export class Ledger {
  readonly #partitions = new Map<number, PartitionLedger>()
  readonly #waiters = new Map<string, Set<() => void>>()
  readonly #clock: () => number

  constructor (clock: () => number) { this.#clock = clock }

  #of (partition: number): PartitionLedger {
    let p = this.#partitions.get(partition)
    if (!p) this.#partitions.set(partition, p = { open: new Map(), finals: new Map() })
    return p
  }

  apply (partition: number, event: LedgerEvent): void {
    const p = this.#of(partition)
    const now = this.#clock()
    if (event.kind === 'result') {
      p.open.delete(event.requestId)
      p.finals.delete(event.requestId)
      p.finals.set(event.requestId, now)
      this.#wake(partition, event.requestId)
      return
    }
    // Markers after a result change nothing: the request is done.
    if (p.finals.has(event.requestId)) return
    const entry = p.open.get(event.requestId) ?? { final: false, attempt: -1, state: undefined, instance: undefined, touchedAt: 0 }
    entry.touchedAt = now
    if (event.attempt > entry.attempt || (event.attempt === entry.attempt && event.state === 'not-sent')) {
      entry.attempt = event.attempt
      entry.state = event.state
      entry.instance = event.instance
    }
    p.open.set(event.requestId, entry)
  }

  get (partition: number, requestId: string): LedgerEntry | undefined {
    const p = this.#partitions.get(partition)
    if (!p) return undefined
    const finalAt = p.finals.get(requestId)
    if (finalAt !== undefined) return { final: true, attempt: -1, state: undefined, instance: undefined, touchedAt: finalAt }
    return p.open.get(requestId)
  }

  /** Resolves true as soon as the request has a final result, false after `timeoutMs`. */
  waitForFinal (partition: number, requestId: string, timeoutMs: number): Promise<boolean> {
    if (this.get(partition, requestId)?.final) return Promise.resolve(true)
    const key = `${partition}\u0000${requestId}`
    return new Promise((resolve) => {
      const set = this.#waiters.get(key) ?? new Set()
      this.#waiters.set(key, set)
      const done = () => { clearTimeout(timer); set.delete(done); resolve(true) }
      const timer = setTimeout(() => { set.delete(done); if (set.size === 0) this.#waiters.delete(key); resolve(false) }, timeoutMs)
      set.add(done)
    })
  }

  /** Forgets a partition (revoked). */
  drop (partition: number): void { this.#partitions.delete(partition) }

  /** Forgets entries untouched for `maxAgeMs` (their offsets are long committed). */
  prune (maxAgeMs: number): void {
    const cutoff = this.#clock() - maxAgeMs
    for (const p of this.#partitions.values()) {
      for (const [id, at] of p.finals) {
        if (at >= cutoff) break
        p.finals.delete(id)
      }
      for (const [id, entry] of p.open) if (entry.touchedAt < cutoff) p.open.delete(id)
    }
  }

  /** Whether an attempt by an instance other than `instance` may have been sent and has no result yet. */
  hasInDoubt (partition: number, instance: string): boolean {
    for (const entry of this.#partitions.get(partition)?.open.values() ?? []) {
      if (entry.state === 'started' && entry.instance !== instance) return true
    }
    return false
  }

  size (partition: number): number {
    const p = this.#partitions.get(partition)
    return p ? p.open.size + p.finals.size : 0
  }

  #wake (partition: number, requestId: string): void {
    const key = `${partition}\u0000${requestId}`
    const set = this.#waiters.get(key)
    if (!set) return
    this.#waiters.delete(key)
    for (const wake of [...set]) wake()
  }
}
