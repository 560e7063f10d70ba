/**
 * An exact sliding-window counter per phone number: at time t, an event is allowed when fewer than
 * `limit` events were counted in (t - windowMs, t]. Outbound messages are allowed or refused; inbound
 * customer messages are always counted (Meta counts both against a number's throughput).
 */
export interface ThroughputLimiter {
  /** Counts an outbound message at `now` if the window has room; false means refuse (130429). */
  tryTake (key: string, now: number, limit: number): boolean
  /** Whether tryTake would succeed, without counting. */
  hasRoom (key: string, now: number, limit: number): boolean
  /** Counts an event unconditionally (an inbound customer message). */
  record (key: string, now: number): void
  /** Events counted in (now - windowMs, now]. */
  count (key: string, now: number): number
  clear (): void
}

interface Window {
  times: number[]
  head: number
}

/** Creates the limiter; `windowMs` defaults to 1000 (Meta's messages per second). */
export function createThroughputLimiter (windowMs = 1000): ThroughputLimiter {
  const windows = new Map<string, Window>()

  function prune (key: string, now: number): Window {
    let w = windows.get(key)
    if (!w) {
      w = { times: [], head: 0 }
      windows.set(key, w)
    }
    // Entries at or before now - windowMs are outside the half-open window (now - windowMs, now].
    while (w.head < w.times.length && (w.times[w.head] ?? Infinity) <= now - windowMs) w.head++
    if (w.head > 1024 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head)
      w.head = 0
    }
    return w
  }

  function count (key: string, now: number): number {
    const w = prune(key, now)
    return w.times.length - w.head
  }

  return {
    tryTake (key, now, limit) {
      if (count(key, now) >= limit) return false
      prune(key, now).times.push(now)
      return true
    },
    hasRoom: (key, now, limit) => count(key, now) < limit,
    record (key, now) { prune(key, now).times.push(now) },
    count,
    clear () { windows.clear() }
  }
}
