import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { ConfigError, kafkaEnv, parseEnv, telemetryEnv } from '../src/index.ts'

const schema = z.object(kafkaEnv)

test('KAFKA_PRODUCE_ENCODER: wabridge by default (also when empty), kafkajs accepted, anything else a config error naming it', () => {
  assert.equal(parseEnv(schema, {}).KAFKA_PRODUCE_ENCODER, 'wabridge')
  assert.equal(parseEnv(schema, { KAFKA_PRODUCE_ENCODER: '' }).KAFKA_PRODUCE_ENCODER, 'wabridge')
  assert.equal(parseEnv(schema, { KAFKA_PRODUCE_ENCODER: 'kafkajs' }).KAFKA_PRODUCE_ENCODER, 'kafkajs')
  assert.throws(() => parseEnv(schema, { KAFKA_PRODUCE_ENCODER: 'fast' }), (err) => {
    assert.ok(err instanceof ConfigError)
    assert.deepEqual(err.issues.map((i) => i.variable), ['KAFKA_PRODUCE_ENCODER'])
    assert.match(err.message, /KAFKA_PRODUCE_ENCODER: must be one of "wabridge", "kafkajs"/)
    return true
  })
})

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS: unset stays unset (the default follows the exporters), a list of http and undici, none, or a config error naming the unknown one', () => {
  const telemetry = z.object(telemetryEnv)
  assert.equal(parseEnv(telemetry, {}).OTEL_NODE_ENABLED_INSTRUMENTATIONS, undefined)
  assert.deepEqual(parseEnv(telemetry, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, undici' }).OTEL_NODE_ENABLED_INSTRUMENTATIONS, ['http', 'undici'])
  assert.deepEqual(parseEnv(telemetry, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'undici,undici' }).OTEL_NODE_ENABLED_INSTRUMENTATIONS, ['undici'])
  assert.deepEqual(parseEnv(telemetry, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'none' }).OTEL_NODE_ENABLED_INSTRUMENTATIONS, [])
  for (const [value, message] of [['http,kafkajs', /unknown instrumentation kafkajs: must be http, undici \(comma-separated\) or none/], ['none,http', /unknown instrumentation none/], [',', /must be http, undici/]] as const) {
    assert.throws(() => parseEnv(telemetry, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: value }), (err) => {
      assert.ok(err instanceof ConfigError)
      assert.deepEqual(err.issues.map((i) => i.variable), ['OTEL_NODE_ENABLED_INSTRUMENTATIONS'])
      assert.match(err.message, message)
      return true
    }, value)
  }
})
