import assert from 'node:assert/strict'
import { test } from 'node:test'
import { sampleLatency } from '../src/latency.ts'

test('fixed, uniform and lognormal draws stay in their ranges', () => {
  assert.equal(sampleLatency({ kind: 'fixed', ms: 25 }, Math.random), 25)
  for (let i = 0; i < 2000; i++) {
    const u = sampleLatency({ kind: 'uniform', minMs: 10, maxMs: 20 }, Math.random)
    assert.ok(u >= 10 && u <= 20)
    const l = sampleLatency({ kind: 'lognormal', minMs: 10, maxMs: 1000 }, Math.random)
    assert.ok(l >= 10 && l <= 1000)
  }
})

test('lognormal has its median near the geometric mean of the range', () => {
  const draws = Array.from({ length: 4001 }, () => sampleLatency({ kind: 'lognormal', minMs: 10, maxMs: 1000 }, Math.random)).sort((a, b) => a - b)
  const median = draws[2000] as number
  assert.ok(median > 70 && median < 140, `median ${median}`)
})
