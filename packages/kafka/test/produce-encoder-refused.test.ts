import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { createKafkaClient, ProduceEncoderError, setupProduceEncoder } from '../src/index.ts'
import { brokersFromEnv } from './helpers.ts'
import { captureLogger, produceDefinition } from './produce-requests.ts'

// A process whose first clients are refused: nothing may be installed by a refusal.
delete process.env.KAFKA_PRODUCE_ENCODER
const require = createRequire(import.meta.url)
const kafkajsProtocol = produceDefinition().protocol

/** kafkajs' real files, except those `replace` gives. */
const loader = (replace: Record<string, unknown>) => (id: string) => id in replace ? replace[id] : require(id) as unknown
const refusal = (code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProduceEncoderError, String(err))
  assert.equal(err.code, code)
  assert.match(err.message, pattern)
  return true
}

test('an unverified kafkajs version refuses the client and installs nothing', () => {
  const logger = captureLogger()
  assert.throws(() => createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x', logger, kafkajsModules: loader({ 'kafkajs/package.json': { version: '2.2.5' } }) }),
    refusal('KAFKA_PRODUCE_ENCODER_UNVERIFIED', /kafkajs 2\.2\.5 is installed/))
  assert.deepEqual(logger.lines, [])
  assert.equal(produceDefinition().protocol, kafkajsProtocol)
})

test('kafkajs internals other than the encoder was written against refuse the client and install nothing', () => {
  const real = produceDefinition()
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ 'kafkajs/src/protocol/requests/produce/index.js': { versions: ['0', '1', '2'], protocol: real.protocol } }, /has no Produce request v3/],
    [{ 'kafkajs/src/protocol/requests/produce/index.js': { versions: real.versions } }, /no protocol\(version\) and versions/],
    [{ 'kafkajs/src/protocol/requests/produce/index.js': { versions: real.versions, protocol: () => () => ({ request: {} }) } }, /v3 has no encode\(\)/],
    [{ 'kafkajs/src/protocol/requests/produce/index.js': { versions: real.versions, protocol: () => undefined } }, /v3 cannot be built/],
    [{ 'kafkajs/src/protocol/encoder.js': class {} }, /Encoder has no writeBuffer/],
    [{ 'kafkajs/src/protocol/requests/produce/index.js': undefined }, /no protocol/]
  ]
  for (const [replace, pattern] of cases) {
    assert.throws(() => setupProduceEncoder('wabridge', loader(replace)), refusal('KAFKA_PRODUCE_ENCODER_INTERNALS', pattern))
  }
  const missing = (id: string) => {
    if (id === 'kafkajs/src/protocol/encoder.js') throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' })
    return require(id) as unknown
  }
  assert.throws(() => setupProduceEncoder('wabridge', missing), (err) => {
    refusal('KAFKA_PRODUCE_ENCODER_INTERNALS', /cannot be installed into kafkajs 2\.2\.4: its Produce request or Encoder module is missing; set KAFKA_PRODUCE_ENCODER=kafkajs/)(err)
    assert.match(String((err as Error).cause), /Cannot find module/)
    return true
  })
  assert.equal(produceDefinition().protocol, kafkajsProtocol)
})

test('kafkajs\' own encoder runs on any kafkajs version, and the log line names it', () => {
  const logger = captureLogger()
  createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x', logger, produceEncoder: 'kafkajs', kafkajsModules: loader({ 'kafkajs/package.json': { version: '2.3.0' } }) })
  assert.deepEqual(logger.lines.map((l) => [l.level, l.obj]), [['info', { produceEncoder: 'kafkajs', active: false, kafkajsVersion: '2.3.0' }]])
  assert.equal(produceDefinition().protocol, kafkajsProtocol)
})
