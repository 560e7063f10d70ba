/** A token bucket per key: `rate` tokens a second up to `burst`; time from the injected clock. */
export interface RateLimiter {
  /** Takes one token of `key`; when none is left, how many seconds until one is (for Retry-After). */
  take (key: string, limit: { rate: number, burst: number }): { ok: true } | { ok: false, retryAfterS: number }
  /** Forgets a key (revoked). */
  forget (key: string): void
}

/**
 * Buckets start full. One bucket per API key, so the map is bounded by the number of keys (a
 * request with an unknown key never reaches the limiter). A key whose rate or burst changed keeps
 * its tokens, capped at the new burst.
 */
export function createRateLimiter (clock: () => number): RateLimiter {
  const buckets = new Map<string, { tokens: number, at: number }>()
  return {
    take (key, { rate, burst }) {
      const now = clock()
      const bucket = buckets.get(key) ?? { tokens: burst, at: now }
      bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) * rate / 1000)
      bucket.at = now
      buckets.set(key, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return { ok: true }
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / rate)) }
    },
    forget: (key) => { buckets.delete(key) }
  }
}
