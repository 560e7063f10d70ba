import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { createKafkaClient, parseProduceEncoder, produceEncoderFromEnv, ProduceEncoderError, setupProduceEncoder } from '../src/index.ts'
import { brokersFromEnv, uniqueName } from './helpers.ts'
import { captureLogger, encoderLogLine, isKafkajsEncode, produceDefinition, roundTripSamples, SAMPLE } from './produce-requests.ts'

// This file's process runs with the default encoder: wabridge.
delete process.env.KAFKA_PRODUCE_ENCODER
const require = createRequire(import.meta.url)
const withVersion = (version: string | undefined) => (id: string) => id === 'kafkajs/package.json' ? { name: 'kafkajs', version } : require(id) as unknown

test('by default createKafkaClient installs the wabridge encoder into kafkajs 2.2.4 for Produce v3–v7 without compression, and logs it as active', () => {
  const logger = captureLogger()
  createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc'), logger })
  const line = encoderLogLine(logger)
  assert.deepEqual(line.obj, { produceEncoder: 'wabridge', active: true, kafkajsVersion: '2.2.4' })
  assert.match(line.msg, /wabridge, active on kafkajs 2\.2\.4/)

  const definition = produceDefinition()
  for (const version of [3, 4, 5, 6, 7]) {
    const made = definition.protocol({ version })(SAMPLE).request
    assert.equal(made.apiVersion, version)
    assert.equal(isKafkajsEncode(made.encode), false, `v${version} is encoded by the wabridge encoder`)
  }
  assert.equal(isKafkajsEncode(definition.protocol({ version: 7 })({ ...SAMPLE, compression: 1 }).request.encode), true, 'GZIP keeps kafkajs\' encoding')
})

test('records produced through the wabridge encoder round-trip through the broker: keys, values, nulls, headers, a 70 kB value', async (t) => {
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc') })
  const requests = await roundTripSamples(t, kafka, 'encoder-wabridge')
  assert.ok(requests.every((r) => r.version >= 3 && r.version <= 7 && !r.kafkajsEncode), JSON.stringify(requests))
})

test('the wabridge encoder refuses an unverified kafkajs version, naming it, the verified ones and the variable to set', () => {
  const logger = captureLogger()
  for (const version of ['2.3.0', undefined]) {
    assert.throws(() => createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x', logger, kafkajsModules: withVersion(version) }), (err) => {
      assert.ok(err instanceof ProduceEncoderError)
      assert.equal(err.code, 'KAFKA_PRODUCE_ENCODER_UNVERIFIED')
      assert.equal(err.kafkajsVersion, version ?? 'unknown')
      assert.match(err.message, new RegExp(`verified against kafkajs 2\\.2\\.4, and kafkajs ${(version ?? 'unknown').replaceAll('.', '\\.')} is installed`))
      assert.match(err.message, /set KAFKA_PRODUCE_ENCODER=kafkajs/)
      return true
    })
  }
  assert.deepEqual(logger.lines, [], 'nothing logged as if it had started')
})

test('a process on the wabridge encoder refuses a client asking for kafkajs\' own (the choice is process-wide)', () => {
  assert.throws(() => createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x', produceEncoder: 'kafkajs' }), (err) => {
    assert.ok(err instanceof ProduceEncoderError)
    assert.equal(err.code, 'KAFKA_PRODUCE_ENCODER_CONFLICT')
    assert.match(err.message, /already produces with the wabridge encoder/)
    return true
  })
  assert.deepEqual(setupProduceEncoder('wabridge'), { encoder: 'wabridge', active: true, kafkajsVersion: '2.2.4' })
})

test('KAFKA_PRODUCE_ENCODER: unset or empty is wabridge; another value refuses the client', (t) => {
  assert.equal(parseProduceEncoder(undefined), 'wabridge')
  assert.equal(parseProduceEncoder(''), 'wabridge')
  assert.equal(parseProduceEncoder('kafkajs'), 'kafkajs')
  process.env.KAFKA_PRODUCE_ENCODER = 'fast'
  t.after(() => { delete process.env.KAFKA_PRODUCE_ENCODER })
  assert.throws(() => createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x' }), (err) => {
    assert.ok(err instanceof ProduceEncoderError)
    assert.equal(err.code, 'KAFKA_PRODUCE_ENCODER_INVALID')
    assert.equal(err.message, 'KAFKA_PRODUCE_ENCODER must be one of wabridge, kafkajs')
    return true
  })
})

test('the old WABRIDGE_KAFKAJS_ENCODER is refused, not ignored: it named kafkajs\' encoder, which would silently stop applying', () => {
  assert.equal(produceEncoderFromEnv({ KAFKA_PRODUCE_ENCODER: 'kafkajs' }), 'kafkajs')
  assert.equal(produceEncoderFromEnv({ WABRIDGE_KAFKAJS_ENCODER: '' }), 'wabridge')
  assert.throws(() => produceEncoderFromEnv({ WABRIDGE_KAFKAJS_ENCODER: 'kafkajs' }), (err) => {
    assert.ok(err instanceof ProduceEncoderError)
    assert.equal(err.code, 'KAFKA_PRODUCE_ENCODER_INVALID')
    assert.match(err.message, /WABRIDGE_KAFKAJS_ENCODER is no longer read: set KAFKA_PRODUCE_ENCODER=kafkajs/)
    return true
  })
})
