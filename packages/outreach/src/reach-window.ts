/** Meta's messaging limit counts unique users over a moving 24 h. */
export const REACH_WINDOW_MS = 24 * 60 * 60 * 1000

/** Most recipients tracked per portfolio: the highest limited tier (TIER_100K); unlimited ones are not tracked. */
export const MAX_TRACKED_PER_PORTFOLIO = 100_000

/**
 * The recipients a portfolio reached in the last 24 h, each with the last time it was counted, in
 * the order they were counted (so the oldest is first and expiry pops from the front).
 */
export class ReachWindow {
  readonly #lastAt = new Map<string, number>()

  get size (): number { return this.#lastAt.size }

  /** The time `waId` was last counted, if it still is in the window. */
  countedAt (waId: string, now: number): number | undefined {
    const at = this.#lastAt.get(waId)
    return at !== undefined && at + REACH_WINDOW_MS > now ? at : undefined
  }

  /** Counts `waId` at `at` (moving it to the back); an older time than the one known is ignored. */
  count (waId: string, at: number): void {
    const known = this.#lastAt.get(waId)
    if (known !== undefined && known >= at) return
    this.#lastAt.delete(waId)
    this.#lastAt.set(waId, at)
    // Only a rebuilt state can exceed the bound (admission never does): the oldest go first.
    for (const oldest of this.#lastAt.keys()) {
      if (this.#lastAt.size <= MAX_TRACKED_PER_PORTFOLIO) break
      this.#lastAt.delete(oldest)
    }
  }

  /** Forgets `waId` if it was counted no later than `at`. */
  forget (waId: string, at: number): void {
    const known = this.#lastAt.get(waId)
    if (known !== undefined && known <= at) this.#lastAt.delete(waId)
  }

  /**
   * Removes the recipients counted 24 h or more before `now` and returns them. Stops at the first
   * one still in the window: a record applied out of order (another instance's) may wait a little
   * longer behind a newer one, which only errs on the safe side.
   */
  expire (now: number): string[] {
    const gone: string[] = []
    for (const [waId, at] of this.#lastAt) {
      if (at + REACH_WINDOW_MS > now) break
      this.#lastAt.delete(waId)
      gone.push(waId)
    }
    return gone
  }

  /** When the oldest counted recipient leaves the window (epoch ms), or undefined when empty. */
  nextExpiry (): number | undefined {
    const first = this.#lastAt.values().next()
    return first.done === true ? undefined : first.value + REACH_WINDOW_MS
  }

  clear (): void { this.#lastAt.clear() }
}
