import assert from 'node:assert/strict'
import { test } from 'node:test'
import { connectedAdmin, createTopic, firstJoinCrashes, testKafka, uniqueName } from '@wabridge/kafka/testing'
import { createTopicReader } from '../src/topic-reader.ts'

const HOUR = 3_600_000

test('a first join that crashes and is restarted by kafkajs still reads every record from the start offsets, and start() resolves', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const whole = uniqueName('keys')
  const recent = uniqueName('states')
  await createTopic(admin, whole, 2)
  await createTopic(admin, recent, 1)
  const producer = kafka.producer()
  await producer.connect()
  t.after(() => producer.disconnect())
  await producer.send({ topic: whole, messages: [{ partition: 0, value: 'k0' }, { partition: 1, value: 'k1' }] })
  await producer.send({ topic: recent, messages: [{ value: 'old', timestamp: String(Date.now() - 2 * HOUR) }, { value: 'new' }] })

  const read: string[] = []
  const reader = createTopicReader(firstJoinCrashes(kafka), {
    topics: [{ topic: whole }, { topic: recent, sinceMs: HOUR }],
    groupIdPrefix: uniqueName('api'),
    clock: Date.now,
    onRecord: (topic, message) => { read.push(`${topic === whole ? 'whole' : 'recent'}:${message.value!.toString()}`) }
  })
  t.after(() => reader.stop())
  await reader.start()
  assert.equal(reader.isCaughtUp, true)
  assert.deepEqual(read.sort(), ['recent:new', 'whole:k0', 'whole:k1'])
})
