import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient, ProduceEncoderError } from '../src/index.ts'
import { brokersFromEnv, uniqueName } from './helpers.ts'
import { captureLogger, encoderLogLine, isKafkajsEncode, produceDefinition, roundTripSamples, SAMPLE } from './produce-requests.ts'

// This file's process runs with kafkajs' own encoder (every client of a process makes the same choice).
delete process.env.KAFKA_PRODUCE_ENCODER
const kafkajsProtocol = produceDefinition().protocol

test('KAFKA_PRODUCE_ENCODER=kafkajs leaves kafkajs\' Produce requests untouched and logs the wabridge encoder as inactive', () => {
  const logger = captureLogger()
  createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc'), logger, produceEncoder: 'kafkajs' })
  const line = encoderLogLine(logger)
  assert.deepEqual(line.obj, { produceEncoder: 'kafkajs', active: false, kafkajsVersion: '2.2.4' })
  assert.match(line.msg, /kafkajs' own \(wabridge encoder inactive, KAFKA_PRODUCE_ENCODER=kafkajs\) on kafkajs 2\.2\.4/)

  const definition = produceDefinition()
  assert.equal(definition.protocol, kafkajsProtocol, 'no hook installed')
  for (const version of [3, 4, 5, 6, 7]) assert.equal(isKafkajsEncode(definition.protocol({ version })(SAMPLE).request.encode), true, `v${version} is kafkajs' own`)
})

test('with kafkajs\' own encoder records round-trip through the broker, every produce request encoded by kafkajs', async (t) => {
  process.env.KAFKA_PRODUCE_ENCODER = 'kafkajs'
  t.after(() => { delete process.env.KAFKA_PRODUCE_ENCODER })
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc') })
  const requests = await roundTripSamples(t, kafka, 'encoder-kafkajs')
  assert.ok(requests.every((r) => r.kafkajsEncode), JSON.stringify(requests))
})

test('a process on kafkajs\' encoder refuses a client asking for the wabridge encoder', () => {
  assert.throws(() => createKafkaClient({ brokers: brokersFromEnv(), clientId: 'x', produceEncoder: 'wabridge' }), (err) => {
    assert.ok(err instanceof ProduceEncoderError)
    assert.equal(err.code, 'KAFKA_PRODUCE_ENCODER_CONFLICT')
    assert.match(err.message, /already produces with the kafkajs encoder/)
    return true
  })
  assert.equal(produceDefinition().protocol, kafkajsProtocol)
})
