import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRateLimiter } from '../src/token-bucket.ts'

test('a bucket starts full, refills at the rate up to the burst, and says when the next token comes', () => {
  let now = 0
  const limiter = createRateLimiter(() => now)
  const limit = { rate: 4, burst: 2 }
  assert.deepEqual([limiter.take('a', limit), limiter.take('a', limit), limiter.take('a', limit)], [{ ok: true }, { ok: true }, { ok: false, retryAfterS: 1 }])
  now += 250
  assert.deepEqual(limiter.take('a', limit), { ok: true })
  now += 10_000
  assert.deepEqual([limiter.take('a', limit), limiter.take('a', limit), limiter.take('a', limit).ok], [{ ok: true }, { ok: true }, false])
  // Keys do not share buckets.
  assert.deepEqual(limiter.take('b', limit), { ok: true })
})

test('Retry-After rounds up to whole seconds for slow rates', () => {
  const limiter = createRateLimiter(() => 0)
  const limit = { rate: 0.1, burst: 1 }
  limiter.take('k', limit)
  assert.deepEqual(limiter.take('k', limit), { ok: false, retryAfterS: 10 })
})
