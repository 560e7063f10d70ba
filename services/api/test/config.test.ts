import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../src/config.ts'

test('defaults: 127.0.0.1:8083, keys topic after the prefix, a day of view', () => {
  const config = loadConfig({ TOPIC_PREFIX: 'gw' })
  assert.deepEqual([config.API_HOST, config.API_PORT, config.API_KEYS_TOPIC, config.API_VIEW_WINDOW_MS, config.API_VIEW_MAX_ENTRIES], ['127.0.0.1', 8083, 'gw.api.keys', 86_400_000, 200_000])
  assert.deepEqual(loadConfig({ WA_PHONE_WABAS: '1=2,3=2' }).WA_PHONE_WABAS, { 1: '2', 3: '2' })
})

test('a produce timeout not below the shutdown timeout is refused, naming the variable', () => {
  assert.throws(() => loadConfig({ API_PRODUCE_TIMEOUT_MS: '20000', SHUTDOWN_TIMEOUT_MS: '10000' }), /API_PRODUCE_TIMEOUT_MS/)
  assert.throws(() => loadConfig({ API_PORT: 'x' }), /API_PORT/)
})
