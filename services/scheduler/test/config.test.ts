import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../src/index.ts'

test('defaults: 127.0.0.1:8086, topics and group from the prefix', () => {
  const c = loadConfig({ TOPIC_PREFIX: 'gw' })
  assert.equal(c.SCHEDULER_PORT, 8086)
  assert.equal(c.SCHEDULER_HOST, '127.0.0.1')
  assert.equal(c.SCHEDULER_GROUP_ID, 'gw.scheduler')
  assert.equal(c.SCHEDULER_SCHEDULED_TOPIC, 'gw.outbound.scheduled')
  assert.equal(c.SCHEDULER_PENDING_TOPIC, 'gw.scheduler.pending')
  assert.equal(c.SCHEDULER_MAX_INDEXED, 100_000)
})

test('the rescan lead must be below the horizon', () => {
  assert.throws(() => loadConfig({ SCHEDULER_HORIZON_MS: '60000', SCHEDULER_RESCAN_LEAD_MS: '60000' }), /SCHEDULER_RESCAN_LEAD_MS/)
})
