import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createPairRateLimiter } from '../src/pair-rate-limiter.ts'

function send (l: ReturnType<typeof createPairRateLimiter>, key: string, now: number): boolean {
  if (!l.hasRoom(key, now)) return false
  l.take(key, now)
  return true
}

test('allows a burst of 45, then one per 6 s', () => {
  const l = createPairRateLimiter({ periodMs: 6000, burst: 45 })
  let ok = 0
  for (let i = 0; i < 60; i++) if (send(l, 'a', 0)) ok++
  assert.equal(ok, 45)
  assert.equal(send(l, 'a', 5999), false)
  assert.equal(send(l, 'a', 6000), true)
  assert.equal(send(l, 'a', 6000), false)
  assert.equal(send(l, 'a', 12_000), true)
  assert.equal(send(l, 'b', 0), true, 'other recipients are not affected')
})

test('a burst borrows from future quota: after 20 at once, the debt is 20 periods', () => {
  const l = createPairRateLimiter({ periodMs: 6000, burst: 45 })
  for (let i = 0; i < 20; i++) assert.equal(send(l, 'a', 0), true)
  // 25 more fit right away (45 in total), the 46th does not.
  for (let i = 0; i < 25; i++) assert.equal(send(l, 'a', 0), true)
  assert.equal(send(l, 'a', 0), false)
  // After 20 × 6 s (2 min) of quiet, 20 more fit again.
  let ok = 0
  for (let i = 0; i < 30; i++) if (send(l, 'a', 120_000)) ok++
  assert.equal(ok, 20)
})

test('sustained sending at one per 6 s is never refused', () => {
  const l = createPairRateLimiter({ periodMs: 6000, burst: 45 })
  for (let i = 0; i < 1000; i++) assert.equal(send(l, 'a', i * 6000), true)
})
