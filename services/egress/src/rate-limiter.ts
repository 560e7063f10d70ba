/** Milliseconds since some epoch; injected so tests control time. */
export type Clock = () => number

export interface RateLimiterOptions {
  /** Most events in any window of `windowMs`. */
  limit: number
  /** Window length in ms. Default 1000. */
  windowMs?: number
  /**
   * Extra spacing in ms added to the window, so that network jitter between us and the receiver
   * cannot squeeze limit+1 events into one of its windows. Default 0.
   */
  marginMs?: number
  clock: Clock
}

/**
 * An exact sliding-window limiter: no window (t − windowMs − marginMs, t] ever holds more than
 * `limit` events. A slot is first reserved (the send is being prepared: attempt marker, token)
 * and then committed with the time the event really happens, or released if it does not. While
 * reserved it counts against every window, so the time between reservation and event cannot
 * squeeze an extra event in. Under a backlog that gives exactly `limit` per window, with bursts
 * up to `limit` after idle time — what Meta's "N messages per second" permits.
 */
export class SlidingWindowLimiter {
  /** Times of committed events, ascending (events are committed at "now"). */
  #times: number[] = []
  #start = 0
  #reserved = 0
  #limit: number
  readonly #windowMs: number
  readonly #clock: Clock

  constructor (options: RateLimiterOptions) {
    if (!(options.limit >= 1)) throw new RangeError('limit must be ≥ 1')
    this.#limit = Math.floor(options.limit)
    this.#windowMs = (options.windowMs ?? 1000) + (options.marginMs ?? 0)
    this.#clock = options.clock
  }

  get limit (): number { return this.#limit }
  get reserved (): number { return this.#reserved }

  #prune (now: number): void {
    const cutoff = now - this.#windowMs
    while (this.#start < this.#times.length && this.#times[this.#start]! <= cutoff) this.#start++
    if (this.#start > 1024 && this.#start * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#start)
      this.#start = 0
    }
  }

  /** Events committed in the current window. */
  inWindow (now = this.#clock()): number {
    this.#prune(now)
    return this.#times.length - this.#start
  }

  /**
   * Milliseconds until a reservation would be admitted: 0 = now; Infinity = only when a reserved
   * slot is committed or released.
   */
  delayMs (now = this.#clock()): number {
    const used = this.inWindow(now) + this.#reserved
    if (used < this.#limit) return 0
    // The window must lose (used − limit + 1) events; reserved slots never leave by themselves.
    const index = this.#start + used - this.#limit
    if (index >= this.#times.length) return Infinity
    return Math.max(1, this.#times[index]! + this.#windowMs - now)
  }

  /** Reserves a slot if the window has room. Every reservation is later committed or released. */
  reserve (now = this.#clock()): boolean {
    if (this.delayMs(now) > 0) return false
    this.#reserved++
    return true
  }

  /** The reserved event happens now. */
  commit (now = this.#clock()): void {
    if (this.#reserved > 0) this.#reserved--
    this.record(now)
  }

  /** The reserved event will not happen. */
  release (): void {
    if (this.#reserved > 0) this.#reserved--
  }

  /** Reserve and commit at once. */
  tryAcquire (now = this.#clock()): boolean {
    if (!this.reserve(now)) return false
    this.commit(now)
    return true
  }

  /**
   * Records an event that happened regardless of the limiter (an inbound message, which Meta
   * counts against the same throughput), so later sends leave room for it.
   */
  record (now = this.#clock()): void {
    const last = this.#times[this.#times.length - 1]
    this.#times.push(last !== undefined && last > now ? last : now)
  }

  /** Changes the limit (after 130429, or when Meta upgrades the number); applies to the current window too. */
  setLimit (limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit))
  }
}
