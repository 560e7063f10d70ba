import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKafkaClient, createProducer, KafkaPublishError } from '../src/index.ts'
import { connectedAdmin, createTopic, readAll, uniqueName } from './helpers.ts'
import { startPrivateBroker, type PrivateBroker } from './private-broker.ts'

// The broker is frozen with SIGSTOP, as in a long GC pause: connections stay open, requests sent
// before or during the stall are read and appended once it resumes.
let broker: PrivateBroker
before(async () => { broker = await startPrivateBroker('producer-stall') }, { timeout: 120_000 })
after(() => broker?.stop())

const outcome = (p: Promise<unknown>) => p.then(() => 'acknowledged' as const, (err: unknown) => err as KafkaPublishError)

test('a send that times out while the broker stalls says maybeWritten; without a timeout the send waits for kafkajs instead of failing', { timeout: 120_000 }, async (t) => {
  const kafka = createKafkaClient({ brokers: broker.brokers, clientId: uniqueName('stall') })
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('stall-timeout')
  await createTopic(admin, topic, 1)
  const producer = createProducer(kafka, { maxRetryTimeMs: 2000 })
  await producer.start()
  t.after(() => producer.stop())
  await producer.send([{ topic, key: 'k', value: 'warm-up' }])

  await broker.pause()
  const timedOut = outcome(producer.send([{ topic, key: 'k', value: 'timed-out' }], { timeoutMs: 300 }))
  const patient = outcome(producer.send([{ topic, key: 'k', value: 'patient' }]))
  const error = await timedOut
  // Longer than maxRetryTimeMs: kafkajs is still waiting for its request (requestTimeout 30 s).
  await sleep(4000)
  await broker.resume()

  assert.equal(await patient, 'acknowledged', 'a send without a timeout failed while kafkajs could still write it')
  assert.ok(error instanceof KafkaPublishError, `the send with a timeout ended as: ${String(error)}`)
  assert.equal(error.code, 'KAFKA_PUBLISH_TIMEOUT')
  const stored = (await readAll(kafka, topic, 3)).map((r) => r.value!.toString())
  assert.ok(stored.includes('timed-out'), 'the timed-out record was written once the broker resumed')
  assert.equal(error.maybeWritten, true, 'the caller was told its record failed, yet it is in the topic: the error must say maybeWritten')
})

test('after kafkajs gives up during a stall the failure says maybeWritten, and the next acknowledged record is really written', { timeout: 120_000 }, async (t) => {
  // Short request timeout and retry budget, so that kafkajs gives up while the broker is frozen.
  const kafka = createKafkaClient({ brokers: broker.brokers, clientId: uniqueName('stall'), requestTimeoutMs: 1000 })
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('stall-give-up')
  await createTopic(admin, topic, 1)
  const producer = createProducer(kafka, { maxRetryTimeMs: 1000 })
  await producer.start()
  t.after(() => producer.stop())
  await producer.send([{ topic, key: 'k', value: 'warm-up' }])

  await broker.pause()
  const error = await outcome(producer.send([{ topic, key: 'k', value: 'given-up' }]))
  // The broker stays frozen a while longer: whatever kafkajs still tries meanwhile fails too.
  await sleep(7000)
  await broker.resume()
  assert.ok(error instanceof KafkaPublishError, 'the send failed while the broker was frozen')
  assert.equal(error.code, 'KAFKA_PUBLISH_FAILED')
  assert.equal(error.maybeWritten, true)
  assert.equal(error.retryable, true)

  // The same partition, one record like the request kafkajs gave up on: with kafkajs' rolled-back
  // sequence number the broker would take it for a repeat of that request and drop it.
  assert.equal(await outcome(producer.send([{ topic, key: 'k', value: 'after' }])), 'acknowledged')
  const written = Number((await admin.fetchTopicOffsets(topic))[0]!.high)
  const stored = (await readAll(kafka, topic, written)).map((r) => r.value!.toString())
  assert.ok(stored.includes('after'), `an acknowledged record is missing: ${JSON.stringify(stored)}`)
})
