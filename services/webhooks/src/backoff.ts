/** Retry timing of parked deliveries (all ms). */
export interface BackoffOptions {
  minMs: number
  maxMs: number
  /** How long after its first failed attempt a delivery is given up. */
  periodMs: number
}

/**
 * When to try a parked delivery again. The wait is the time it has been failing so far, between
 * minMs and maxMs: attempts at t0, t0+min, t0+2min, t0+4min, … — exponential backoff with factor 2
 * that needs no attempt counter, so it survives a restart from the record's first_failed_at alone.
 * A delivery parked behind another one without an attempt (firstFailedAt null) is due at once.
 */
export function nextAttemptAt (firstFailedAt: number | null, lastAttemptAt: number, options: BackoffOptions): number {
  if (firstFailedAt === null) return lastAttemptAt
  const wait = Math.min(options.maxMs, Math.max(options.minMs, lastAttemptAt - firstFailedAt))
  return lastAttemptAt + wait
}

/** True once a delivery that failed first at `firstFailedAt` has been retried for the whole period. */
export function isRetryPeriodOver (firstFailedAt: number | null, now: number, options: BackoffOptions): boolean {
  return firstFailedAt !== null && now - firstFailedAt >= options.periodMs
}
