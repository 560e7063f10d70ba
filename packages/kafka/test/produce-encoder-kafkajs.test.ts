import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient, createProducer, ProduceEncoderError } from '../src/index.ts'
import { brokersFromEnv, connectedAdmin, createTopic, readAll, uniqueName } from './helpers.ts'
import { captureLogger, isKafkajsEncode, produceDefinition, recordProduceRequests, SAMPLE, sampleRecords } from './produce-requests.ts'

// This file's process runs with kafkajs' own encoder (every client of a process makes the same choice).
delete process.env.KAFKA_PRODUCE_ENCODER
const kafkajsProtocol = produceDefinition().protocol

test('KAFKA_PRODUCE_ENCODER=kafkajs leaves kafkajs\' Produce requests untouched and logs the wabridge encoder as inactive', () => {
  const logger = captureLogger()
  createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc'), logger, produceEncoder: 'kafkajs' })
  const lines = logger.lines.filter((l) => /produce encoder/.test(l.msg))
  assert.equal(lines.length, 1)
  assert.equal(lines[0]!.level, 'info')
  assert.deepEqual(lines[0]!.obj, { produceEncoder: 'kafkajs', active: false, kafkajsVersion: '2.2.4' })
  assert.match(lines[0]!.msg, /kafkajs' own \(wabridge encoder inactive, KAFKA_PRODUCE_ENCODER=kafkajs\) on kafkajs 2\.2\.4/)

  const definition = produceDefinition()
  assert.equal(definition.protocol, kafkajsProtocol, 'no hook installed')
  for (const version of [3, 4, 5, 6, 7]) assert.equal(isKafkajsEncode(definition.protocol({ version })(SAMPLE).request.encode), true, `v${version} is kafkajs' own`)
})

test('with kafkajs\' own encoder records round-trip through the broker, every produce request encoded by kafkajs', async (t) => {
  process.env.KAFKA_PRODUCE_ENCODER = 'kafkajs'
  t.after(() => { delete process.env.KAFKA_PRODUCE_ENCODER })
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('enc') })
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('encoder-kafkajs')
  await createTopic(admin, topic, 2)
  const requests = recordProduceRequests(t)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const sent = sampleRecords(topic)
  await producer.send(sent)

  assert.ok(requests.length > 0, 'produce requests were made')
  assert.ok(requests.every((r) => r.kafkajsEncode), JSON.stringify(requests))
  const read = await readAll(kafka, topic, sent.length)
  for (const record of sent) {
    const got = read.find((r) => r.key === record.key)
    assert.ok(got, `record ${record.key} read back`)
    assert.deepEqual(got.value, record.value === null ? null : Buffer.from(record.value))
    assert.deepEqual(got.headers, record.headers)
  }
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
