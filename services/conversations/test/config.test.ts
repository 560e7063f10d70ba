import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../src/index.ts'

test('defaults: 127.0.0.1:8088, the keeper group from the prefix', () => {
  const c = loadConfig({ TOPIC_PREFIX: 'gw' })
  assert.equal(c.CONVERSATIONS_PORT, 8088)
  assert.equal(c.CONVERSATIONS_HOST, '127.0.0.1')
  assert.equal(c.WINDOWS_GROUP_ID, 'gw.conversations.windows')
  assert.equal(c.WINDOWS_SWEEP_INTERVAL_MS, 60_000)
})

test('the sweep interval has a floor', () => {
  assert.throws(() => loadConfig({ WINDOWS_SWEEP_INTERVAL_MS: '10' }), /WINDOWS_SWEEP_INTERVAL_MS/)
})
