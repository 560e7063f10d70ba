import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Admin } from 'kafkajs'
import { createProducer, createTopicLimits, estimateRecordBytes, fetchBrokerMessageMaxBytes, fetchMaxMessageBytes, KafkaRecordTooLargeError, RECORD_BATCH_OVERHEAD_BYTES } from '../src/index.ts'
import { waitUntilServed } from '../src/ensure-topics.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

async function createCappedTopic (admin: Admin, topic: string, maxMessageBytes: number, partitions = 1): Promise<void> {
  await admin.createTopics({
    waitForLeaders: false,
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }] }]
  })
  await waitUntilServed(admin, topic)
}

test('fetchMaxMessageBytes gives a topic its own max.message.bytes, else the brokers\' message.max.bytes', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const capped = uniqueName('capped')
  const plain = uniqueName('plain')
  await createCappedTopic(admin, capped, 5000)
  await createTopic(admin, plain)
  const caps = await fetchMaxMessageBytes(admin, [capped, plain])
  assert.equal(caps.get(capped), 5000)
  assert.equal(caps.get(plain), await fetchBrokerMessageMaxBytes(admin))
  assert.ok(caps.get(plain)! > 5000)
})

test('one send whose records exceed max.message.bytes together is split over several produce requests, in order', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('split')
  await createCappedTopic(admin, topic, 4000)
  const producer = createProducer(kafka, { lingerMs: 5 })
  await producer.start()
  t.after(() => producer.stop())

  // 20 records of 1000 bytes to one partition: 20 KB, five times the cap. Before the byte cap the
  // broker refused the whole batch with MESSAGE_TOO_LARGE.
  const values = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(997)}`)
  await producer.send(values.map((value) => ({ topic, key: 'same', value })))
  assert.ok(producer.stats().batches >= 5, `${producer.stats().batches} produce requests for 20 KB under a 4000-byte cap`)
  const stored = await readAll(kafka, topic, 20)
  assert.deepEqual(stored.map((r) => r.value!.toString()), values)
})

test('a record that can never fit is refused with KAFKA_RECORD_TOO_LARGE and nothing of its send is written', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('too-large')
  const cap = 3000
  await createCappedTopic(admin, topic, cap)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())

  // A record whose estimated batch is exactly the cap goes; one byte more can never go.
  const headers = { 'event-id': 'e1' }
  const fits = (extra: number) => 'y'.repeat(cap - RECORD_BATCH_OVERHEAD_BYTES - estimateRecordBytes({ key: 'k', value: '', headers }) + extra)
  await assert.rejects(producer.send([{ topic, key: 'k', value: 'small', headers }, { topic, key: 'k', value: fits(1), headers }]), (err: unknown) => {
    assert.ok(err instanceof KafkaRecordTooLargeError)
    assert.equal(err.code, 'KAFKA_RECORD_TOO_LARGE')
    assert.equal(err.retryable, false)
    assert.equal(err.maybeWritten, false)
    assert.equal(err.topic, topic)
    assert.equal(err.sizeBytes, cap + 1)
    assert.equal(err.maxMessageBytes, cap)
    assert.match(err.message, new RegExp(`${cap + 1} bytes .*${topic}.*${cap}`))
    return true
  })
  await producer.send([{ topic, key: 'k', value: fits(0), headers }])
  const stored = await readAll(kafka, topic, 1)
  assert.equal(stored.length, 1)
  assert.equal(stored[0]!.value!.length, cap - RECORD_BATCH_OVERHEAD_BYTES - estimateRecordBytes({ key: 'k', value: '', headers }))
  assert.equal(Number((await admin.fetchTopicOffsets(topic))[0]!.high), 1, 'the refused send wrote nothing')
})

test('TopicLimits caches a topic\'s cap and partitions, refreshes them once older than maxAgeMs, and forgets them on invalidate', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('limits')
  await createCappedTopic(admin, topic, 6000, 3)
  let now = 0
  const limits = createTopicLimits(kafka, { maxAgeMs: 1000, now: () => now })
  t.after(() => limits.close())
  assert.equal(limits.peek(topic), undefined)
  const [first] = await Promise.all([limits.get([topic]), limits.get([topic])])
  assert.equal(first.get(topic)!.maxMessageBytes, 6000)
  assert.deepEqual(first.get(topic)!.partitions.map((p) => p.partitionId), [0, 1, 2])

  await admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: topic, configEntries: [{ name: 'max.message.bytes', value: '7000' }] }] })
  assert.equal(limits.peek(topic)!.maxMessageBytes, 6000, 'a fresh entry is used as it is')
  now += 1000
  limits.peek(topic)
  const deadline = Date.now() + 10_000
  while (limits.peek(topic)!.maxMessageBytes !== 7000) {
    assert.ok(Date.now() < deadline, 'a stale entry was not refreshed')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  limits.invalidate([topic])
  assert.equal(limits.peek(topic), undefined)
})
