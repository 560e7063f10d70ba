import assert from 'node:assert/strict'
import { test } from 'node:test'
import { z } from 'zod'
import { ConfigError, csv, keyValueList, kafkaEnv, parseEnv, port } from '../src/index.ts'

const schema = z.object({
  PORT: port().default(8080),
  SECRETS: csv(),
  TOKENS: keyValueList().optional(),
  MODE: z.enum(['a', 'b']).default('a'),
  ...kafkaEnv
})

test('parses, coerces and applies defaults; empty strings count as unset', () => {
  const cfg = parseEnv(schema, { PORT: '9000', SECRETS: ' s1, s2 ,', MODE: '', TOKENS: '111=tok=x,222=y' })
  assert.equal(cfg.PORT, 9000)
  assert.deepEqual(cfg.SECRETS, ['s1', 's2'])
  assert.equal(cfg.MODE, 'a')
  assert.deepEqual(cfg.TOKENS, { 111: 'tok=x', 222: 'y' })
  assert.deepEqual(cfg.KAFKA_BROKERS, ['127.0.0.1:9092'])
  assert.equal(cfg.TOPIC_PREFIX, 'wa')
})

test('returns a deep-frozen object', () => {
  const cfg = parseEnv(schema, { SECRETS: 'x' })
  assert.ok(Object.isFrozen(cfg))
  assert.ok(Object.isFrozen(cfg.SECRETS))
})

test('one error names every bad variable and never its value', () => {
  const secretLooking = 'supersecret-value-123'
  try {
    parseEnv(schema, { PORT: secretLooking, MODE: secretLooking, TOKENS: secretLooking, KAFKA_TOPIC_PARTITIONS: '-1' })
    assert.fail('expected a ConfigError')
  } catch (err) {
    assert.ok(err instanceof ConfigError)
    assert.equal(err.code, 'CONFIG_INVALID')
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), ['KAFKA_TOPIC_PARTITIONS', 'MODE', 'PORT', 'SECRETS', 'TOKENS'])
    assert.match(err.message, /SECRETS: is required/)
    assert.match(err.message, /MODE: must be one of "a", "b"/)
    assert.match(err.message, /PORT: must be number/)
    assert.match(err.message, /KAFKA_TOPIC_PARTITIONS: must be greater than 0/)
    assert.ok(!err.message.includes(secretLooking), err.message)
  }
})
