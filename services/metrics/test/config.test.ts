import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '@wabridge/config'
import { loadConfig } from '../src/config.ts'

test('defaults follow the brief', () => {
  const c = loadConfig({})
  assert.equal(c.METRICS_PORT, 8082)
  assert.equal(c.PROMETHEUS_PORT, 9464)
  assert.equal(c.METRICS_DEFAULT_MPS, 80)
  assert.equal(c.METRICS_THROUGHPUT_ALERT_PCT, 90)
  assert.equal(c.METRICS_CHANGELOG_TOPIC, undefined)
})

test('every bad variable is named, never its value', () => {
  assert.throws(() => loadConfig({ METRICS_PORT: 'http', METRICS_MPS_OVERRIDES: '1065=fast', METRICS_DEFAULT_MESSAGING_LIMIT: 'TIER_SECRET', METRICS_THROUGHPUT_ALERT_PCT: '150' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepStrictEqual(err.issues.map((i) => i.variable).sort(), ['METRICS_DEFAULT_MESSAGING_LIMIT', 'METRICS_MPS_OVERRIDES', 'METRICS_PORT', 'METRICS_THROUGHPUT_ALERT_PCT'])
    assert.doesNotMatch(err.message, /TIER_SECRET|fast/)
    return true
  })
})
