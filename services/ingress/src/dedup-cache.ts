export interface DedupCacheOptions {
  /** How long an id is remembered, ms. */
  ttlMs: number
  /** Most ids remembered; adding one more forgets the oldest. */
  maxEntries: number
  /** Current time in ms (injected for tests). Default Date.now. */
  now?: () => number
}

export interface DedupCache {
  /** True when `id` was added less than ttlMs ago (and not pushed out since). */
  has(id: string): boolean
  /** Remembers `id` for ttlMs from now. */
  add(id: string): void
  readonly size: number
}

/**
 * A bounded, time-limited set of event ids. A Map keeps insertion order and every entry lives
 * exactly ttlMs, so the oldest entry is always the first to expire: pruning from the front keeps
 * both bounds in O(1) per add, with no timer.
 */
export function createDedupCache (options: DedupCacheOptions): DedupCache {
  const now = options.now ?? Date.now
  const expiries = new Map<string, number>()

  function prune (at: number): void {
    for (const [id, expiresAt] of expiries) {
      if (expiresAt > at && expiries.size <= options.maxEntries) return
      expiries.delete(id)
    }
  }

  return {
    has (id) {
      const expiresAt = expiries.get(id)
      if (expiresAt === undefined) return false
      if (expiresAt > now()) return true
      expiries.delete(id)
      return false
    },
    add (id) {
      const at = now()
      // Re-adding moves the id to the back, keeping the map ordered by expiry.
      expiries.delete(id)
      expiries.set(id, at + options.ttlMs)
      prune(at)
    },
    get size () { return expiries.size }
  }
}
