import type { LaneTimers } from '../src/number-lane.ts'

/** A manual clock with timers, for lanes: advance() fires due timers in time order. */
export function createFakeTimers (): LaneTimers & { now: () => number, advance: (ms: number) => Promise<void>, settle: () => Promise<void>, stall: (ms: number) => void } {
  let now = 0
  let seq = 0
  const timers = new Map<number, { at: number, fn: () => void }>()
  const settle = async () => { for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve)) }
  return {
    clock: () => now,
    now: () => now,
    setTimer (fn, ms) {
      const id = seq++
      timers.set(id, { at: now + ms, fn })
      return { cancel: () => { timers.delete(id) } }
    },
    settle,
    /** Moves the clock without firing anything, like an event loop busy for `ms`: due timers fire late. */
    stall (ms) { now += ms },
    async advance (ms) {
      const end = now + ms
      for (;;) {
        await settle()
        let next: [number, { at: number, fn: () => void }] | undefined
        for (const entry of timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry
        if (!next) break
        timers.delete(next[0])
        now = Math.max(now, next[1].at)
        next[1].fn()
      }
      now = end
      await settle()
    }
  }
}
