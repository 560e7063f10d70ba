export interface RetryPolicyOptions {
  maxAttempts: number
  baseMs: number
  maxMs: number
  /** Returns a number in [0, 1); injected so tests are deterministic. */
  random?: () => number
}

/**
 * Delay before retry number `attempt` (0-based: the delay after the first failure is attempt 0):
 * exponential with "equal jitter" (half fixed, half random), never below Meta's suggested delay.
 */
export function retryDelayMs (options: RetryPolicyOptions, attempt: number, suggestedMs?: number): number {
  const random = options.random ?? Math.random
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** attempt)
  const jittered = exp / 2 + random() * exp / 2
  return Math.round(Math.max(jittered, suggestedMs ?? 0))
}
