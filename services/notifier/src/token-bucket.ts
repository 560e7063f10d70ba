/** A token bucket: `burst` tokens, refilled at `perMinute`; the clock is injected (epoch ms). */
export interface TokenBucket {
  /** Takes a token when one is there. */
  tryTake(): boolean
  /** Ms until a token will be there (0 = now). */
  waitMs(): number
}

export function createTokenBucket (options: { perMinute: number, burst: number }, clock: () => number): TokenBucket {
  const perMs = options.perMinute / 60_000
  let tokens = options.burst
  let at = clock()
  const refill = () => {
    const now = clock()
    tokens = Math.min(options.burst, tokens + Math.max(0, now - at) * perMs)
    at = now
  }
  return {
    tryTake () {
      refill()
      if (tokens < 1) return false
      tokens -= 1
      return true
    },
    waitMs () {
      refill()
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMs)
    }
  }
}
