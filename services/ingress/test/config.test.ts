import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConfigError } from '@wabridge/config'
import { loadConfig } from '../src/config.ts'

const required = { WA_APP_SECRETS: 'secret-a', WA_VERIFY_TOKEN: 'token' }

test('defaults follow the brief', () => {
  const config = loadConfig(required)
  assert.equal(config.INGRESS_PORT, 8080)
  assert.equal(config.INGRESS_HOST, '127.0.0.1')
  assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092'])
  assert.equal(config.TOPIC_PREFIX, 'wa')
  assert.equal(config.MAX_BODY_BYTES, 3 * 1024 * 1024)
  assert.equal(config.PRODUCE_TIMEOUT_MS, 5000)
  assert.equal(config.RETRY_AFTER_S, 5)
  assert.deepEqual(config.WA_APP_SECRETS, ['secret-a'])
})

test('several app secrets are read comma-separated', () => {
  assert.deepEqual(loadConfig({ ...required, WA_APP_SECRETS: ' old , new,' }).WA_APP_SECRETS, ['old', 'new'])
})

test('every bad variable is named, never its value', () => {
  const secret = 'super-secret-value'
  assert.throws(() => loadConfig({ WA_APP_SECRETS: ',', INGRESS_PORT: secret, MAX_BODY_BYTES: '0', PRODUCE_TIMEOUT_MS: 'soon' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['INGRESS_PORT', 'MAX_BODY_BYTES', 'PRODUCE_TIMEOUT_MS', 'WA_APP_SECRETS', 'WA_VERIFY_TOKEN'])
    assert.ok(!err.message.includes(secret))
    return true
  })
})

test('a produce timeout must leave room for shutdown', () => {
  assert.throws(() => loadConfig({ ...required, PRODUCE_TIMEOUT_MS: '10000', SHUTDOWN_TIMEOUT_MS: '10000' }), /PRODUCE_TIMEOUT_MS/)
})

test('slow-client limits have defaults and the headers timeout fits in the request timeout', () => {
  const config = loadConfig(required)
  assert.deepEqual(
    [config.INGRESS_HEADERS_TIMEOUT_MS, config.INGRESS_REQUEST_TIMEOUT_MS, config.INGRESS_KEEP_ALIVE_TIMEOUT_MS, config.INGRESS_MAX_CONNECTIONS, config.MAX_JSON_DEPTH],
    [10_000, 30_000, 72_000, 1024, 64]
  )
  assert.throws(() => loadConfig({ ...required, INGRESS_HEADERS_TIMEOUT_MS: '5000', INGRESS_REQUEST_TIMEOUT_MS: '4000' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.variable), ['INGRESS_HEADERS_TIMEOUT_MS'])
    return true
  })
  assert.throws(() => loadConfig({ ...required, INGRESS_MAX_CONNECTIONS: '0', MAX_JSON_DEPTH: '0', INGRESS_REQUEST_TIMEOUT_MS: '10' }), (err: unknown) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['INGRESS_HEADERS_TIMEOUT_MS', 'INGRESS_MAX_CONNECTIONS', 'INGRESS_REQUEST_TIMEOUT_MS', 'MAX_JSON_DEPTH'])
    return true
  })
})
