import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createThroughputLimiter } from '../src/throughput-limiter.ts'
import { maxInSlidingWindow } from '../src/recorder.ts'

test('allows exactly the limit in the half-open window (t - 1000, t]', () => {
  const l = createThroughputLimiter(1000)
  for (let i = 0; i < 80; i++) assert.equal(l.tryTake('n', 0, 80), true)
  assert.equal(l.tryTake('n', 0, 80), false)
  assert.equal(l.tryTake('n', 999, 80), false)
  assert.equal(l.tryTake('n', 1000, 80), true, 'events at 0 leave the window at 1000')
  assert.equal(l.count('n', 1000), 1)
  assert.equal(l.tryTake('other', 0, 80), true, 'numbers are independent')
})

test('inbound events are always counted and take room from outbound', () => {
  const l = createThroughputLimiter(1000)
  for (let i = 0; i < 30; i++) l.record('n', 10)
  let accepted = 0
  for (let i = 0; i < 100; i++) if (l.tryTake('n', 20, 80)) accepted++
  assert.equal(accepted, 50)
})

test('never exceeds the limit and refuses only when the window is full (random arrivals, brute force check)', () => {
  let seed = 42
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  const l = createThroughputLimiter(1000)
  const accepted: number[] = []
  let t = 0
  for (let i = 0; i < 20_000; i++) {
    t += Math.floor(random() * 25)
    const full = accepted.filter((a) => a > t - 1000).length >= 80
    assert.equal(l.tryTake('n', t, 80), !full, `at ${t}`)
    if (!full) accepted.push(t)
  }
  assert.equal(maxInSlidingWindow(accepted, 1000), 80)
})

test('maxInSlidingWindow counts half-open windows', () => {
  assert.equal(maxInSlidingWindow([], 1000), 0)
  assert.equal(maxInSlidingWindow([0, 999, 1000], 1000), 2)
  assert.equal(maxInSlidingWindow([0, 500, 999], 1000), 3)
  assert.equal(maxInSlidingWindow([5, 5, 5, 1005], 1000), 3)
})
