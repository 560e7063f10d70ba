import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '@wabridge/config'
import { loadSimConfig, toSimOptions } from '../src/index.ts'

test('defaults: 127.0.0.1:8090, 80 msg/s, no webhooks, pair rate on', () => {
  const o = toSimOptions(loadSimConfig({}))
  assert.equal(o.host, '127.0.0.1')
  assert.equal(o.port, 8090)
  assert.equal(o.defaultMps, 80)
  assert.equal(o.webhookUrl, undefined)
  assert.deepEqual(o.pairRate, { burst: 45, periodMs: 6000 })
  assert.deepEqual(o.latency, { kind: 'fixed', ms: 0 })
})

test('reads per-number limits, tokens, WABA ids, latency ranges and faults', () => {
  const o = toSimOptions(loadSimConfig({
    SIM_PORT: '0',
    SIM_WEBHOOK_URL: 'http://127.0.0.1:8080/webhook',
    SIM_APP_SECRET: 'dev',
    SIM_PHONE_NUMBER_MPS: '111=1000,222=20',
    SIM_ACCESS_TOKENS: '111=tok-a',
    SIM_WABA_IDS: '111=W1',
    SIM_LATENCY_MS: '10-80',
    SIM_LATENCY_DIST: 'lognormal',
    SIM_PAIR_RATE: 'false',
    SIM_STATUS_DELAYS_MS: '1,2,3',
    SIM_FAULTS: '[{"match":{"to":"+15550000001"},"action":{"type":"error","code":131026}}]'
  }))
  assert.deepEqual(o.phoneNumbers, { 111: { mps: 1000, token: 'tok-a', wabaId: 'W1' }, 222: { mps: 20 } })
  assert.deepEqual(o.latency, { kind: 'lognormal', minMs: 10, maxMs: 80 })
  assert.equal(o.pairRate, false)
  assert.deepEqual([o.statuses?.sentAfterMs, o.statuses?.deliveredAfterMs, o.statuses?.readAfterMs], [1, 2, 3])
  assert.equal(o.faults?.[0]?.action.type, 'error')
  assert.equal(o.appSecret, 'dev')
})

test('names every bad variable, never its value', () => {
  try {
    loadSimConfig({ SIM_PORT: 'x', SIM_WEBHOOK_URL: 'http://127.0.0.1/w', SIM_FAULTS: 'nope-secret', SIM_PHONE_NUMBER_MPS: '1=fast', SIM_LATENCY_MS: 'slow' })
    assert.fail('expected ConfigError')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['SIM_APP_SECRET', 'SIM_FAULTS', 'SIM_LATENCY_MS', 'SIM_PHONE_NUMBER_MPS', 'SIM_PORT'])
    assert.ok(!err.message.includes('nope-secret'))
  }
})
