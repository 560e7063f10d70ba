/** The pair rate limit of one business number to one user (Meta: 1 message / 6 s, bursts up to 45). */
export interface PairRateOptions {
  /** Sustained spacing between messages to the same user, ms. Default 6000. */
  periodMs: number
  /** Messages that may be sent at once, borrowing from future quota. Default 45. */
  burst: number
}

/**
 * A GCRA (generic cell rate algorithm) per key: each message pushes the key's theoretical arrival
 * time (TAT) one period further; a message is refused while TAT - now would exceed (burst - 1) periods.
 * A burst of 20 therefore leaves 20 periods (2 min) of debt, as Meta describes.
 */
export interface PairRateLimiter {
  hasRoom (key: string, now: number): boolean
  /** Counts one message for `key`; call only after hasRoom said yes. */
  take (key: string, now: number): void
  clear (): void
}

export function createPairRateLimiter (options: PairRateOptions): PairRateLimiter {
  const tat = new Map<string, number>()
  const tolerance = (options.burst - 1) * options.periodMs
  let ops = 0

  function sweep (now: number): void {
    // Keys whose debt is paid are equivalent to absent ones; drop them so memory stays bounded.
    for (const [key, t] of tat) if (t <= now) tat.delete(key)
  }

  return {
    hasRoom (key, now) {
      const t = Math.max(tat.get(key) ?? now, now)
      return t - now <= tolerance
    },
    take (key, now) {
      if (++ops % 10_000 === 0) sweep(now)
      tat.set(key, Math.max(tat.get(key) ?? now, now) + options.periodMs)
    },
    clear () { tat.clear() }
  }
}
