import assert from 'node:assert/strict'
import { test } from 'node:test'
import { heartbeatIntervalFor } from '../src/consumer.ts'

test('heartbeats go at a tenth of the session timeout, never more often than every 100 ms', () => {
  assert.equal(heartbeatIntervalFor(6_000), 600)
  assert.equal(heartbeatIntervalFor(45_000), 4_500)
  assert.equal(heartbeatIntervalFor(6_005), 600)
  assert.equal(heartbeatIntervalFor(500), 100)
})
