import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { ConfigError, kafkaEnv, parseEnv } from '../src/index.ts'

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
