import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SlidingWindowLimiter } from '../src/rate-limiter.ts'

/** Greedy sender on a fake clock: sends whenever allowed, advancing 1 ms at a time. */
function run (limiter: SlidingWindowLimiter, clock: { now: number }, durationMs: number): number[] {
  const sent: number[] = []
  for (; clock.now < durationMs; clock.now++) {
    while (limiter.tryAcquire()) sent.push(clock.now)
  }
  return sent
}

function maxInAnyWindow (times: number[], windowMs: number): number {
  let max = 0
  let lo = 0
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++
    max = Math.max(max, hi - lo + 1)
  }
  return max
}

test('never admits more than the limit in any one-second window, and uses all of it under backlog', () => {
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 80, clock: () => clock.now })
  const sent = run(limiter, clock, 10_000)
  assert.equal(maxInAnyWindow(sent, 1000), 80)
  assert.equal(sent.length, 800, 'a greedy sender gets exactly limit × seconds')
})

test('the margin widens the window', () => {
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 10, marginMs: 20, clock: () => clock.now })
  const sent = run(limiter, clock, 5000)
  assert.equal(maxInAnyWindow(sent, 1020), 10)
  assert.equal(limiter.delayMs(), sent[sent.length - 10]! + 1020 - clock.now)
})

test('reserved slots count against the window until committed at the real send time or released', () => {
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 3, clock: () => clock.now })
  assert.ok(limiter.reserve())
  assert.ok(limiter.reserve())
  assert.ok(limiter.reserve())
  assert.equal(limiter.reserve(), false)
  assert.equal(limiter.delayMs(), Infinity, 'only a commit or release can free room')
  limiter.release()
  clock.now = 400
  limiter.commit() // the first reserved send happens late, at 400
  clock.now = 900
  limiter.commit()
  assert.ok(limiter.reserve(), 'a released slot is free again')
  assert.equal(limiter.reserve(), false)
  clock.now = 1399
  assert.equal(limiter.delayMs(), 1, 'the window is counted from the commit time (400), not the reservation (0)')
  clock.now = 1400
  assert.ok(limiter.reserve())
})

test('sends delayed by random amounts after their reservation never exceed the limit in any window', () => {
  let seed = 42
  const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 20, clock: () => clock.now })
  const pending: number[] = [] // commit times of reserved slots
  const sent: number[] = []
  for (; clock.now < 20_000; clock.now++) {
    for (let i = pending.length - 1; i >= 0; i--) {
      if (pending[i]! <= clock.now) { pending.splice(i, 1); limiter.commit(); sent.push(clock.now) }
    }
    while (limiter.reserve()) pending.push(clock.now + Math.floor(random() * 300))
  }
  assert.equal(maxInAnyWindow(sent, 1000), 20)
  // Each slot is held from reservation to commit + 1 s: at most a 300 ms delay costs at most 23 %.
  assert.ok(sent.length >= Math.floor(20 * 20 * 1000 / 1300), `throughput stays near the limit: ${sent.length} in 20 s`)
})

test('recorded inbound events take room from sends', () => {
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 5, clock: () => clock.now })
  limiter.record(); limiter.record()
  let admitted = 0
  while (limiter.tryAcquire()) admitted++
  assert.equal(admitted, 3)
  assert.equal(limiter.inWindow(), 5)
  clock.now = 999
  assert.equal(limiter.tryAcquire(), false)
  clock.now = 1000
  assert.equal(limiter.tryAcquire(), true)
})

test('setLimit lowers the rate at once and keeps the current window', () => {
  const clock = { now: 0 }
  const limiter = new SlidingWindowLimiter({ limit: 10, clock: () => clock.now })
  for (let i = 0; i < 6; i++) assert.ok(limiter.tryAcquire())
  limiter.setLimit(4)
  assert.equal(limiter.tryAcquire(), false, 'six in the window already exceed the new limit')
  clock.now = 1000
  const sent = run(limiter, clock, 4000)
  assert.equal(maxInAnyWindow(sent, 1000), 4)
  limiter.setLimit(8)
  assert.equal(limiter.limit, 8)
})
