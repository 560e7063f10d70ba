import assert from 'node:assert/strict'
import { test } from 'node:test'
import kafkajs, { type Admin, type Kafka } from 'kafkajs'
import { installAdminOffsetRetry, retryOffsetsWhileLeaderMoves } from '../src/admin-offsets.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName } from '../src/testing.ts'

// kafkajs builds its protocol errors from the broker's error code: 6 is NOT_LEADER_FOR_PARTITION,
// 5 LEADER_NOT_AVAILABLE, 29 TOPIC_AUTHORIZATION_FAILED.
const protocolError = (code: number) => new kafkajs.KafkaJSProtocolError(Object.assign(new Error(`code ${code}`), { type: ({ 5: 'LEADER_NOT_AVAILABLE', 6: 'NOT_LEADER_FOR_PARTITION', 29: 'TOPIC_AUTHORIZATION_FAILED' } as Record<number, string>)[code], code, retriable: code !== 29 }) as never)

/** An admin whose fetchTopicOffsets throws the given errors in turn, then answers. */
function scriptedAdmin (errors: Error[]): { admin: Admin, calls: () => number } {
  let calls = 0
  const admin = {
    fetchTopicOffsets: async () => {
      const err = errors[calls++]
      if (err) throw err
      return [{ partition: 0, offset: '7', high: '7', low: '0' }]
    }
  } as unknown as Admin
  return { admin, calls: () => calls }
}

test('"not the leader" and "leader not available" are retried until the leader answers', async () => {
  const { admin, calls } = scriptedAdmin([protocolError(6), protocolError(5), protocolError(6)])
  const offsets = await retryOffsetsWhileLeaderMoves(admin, 10_000).fetchTopicOffsets('t')
  assert.equal(offsets[0]!.high, '7')
  assert.equal(calls(), 4)
})

test('any other error passes at once, as kafkajs threw it', async () => {
  const denied = protocolError(29)
  const { admin, calls } = scriptedAdmin([denied])
  await assert.rejects(retryOffsetsWhileLeaderMoves(admin, 10_000).fetchTopicOffsets('t'), (err) => err === denied)
  assert.equal(calls(), 1)
})

test('a leader that never comes back: given up after the timeout with the last error', async () => {
  const { admin, calls } = scriptedAdmin(Array.from({ length: 1000 }, () => protocolError(6)))
  const started = Date.now()
  await assert.rejects(retryOffsetsWhileLeaderMoves(admin, 600).fetchTopicOffsets('t'), /code 6/)
  assert.ok(Date.now() - started >= 500, 'retried until the timeout')
  assert.ok(calls() > 2)
})

test('installed on a client, every admin it creates retries', async () => {
  const scripted = scriptedAdmin([protocolError(6)])
  const kafka = { admin: () => scripted.admin } as unknown as Kafka
  installAdminOffsetRetry(kafka)
  assert.equal((await kafka.admin().fetchTopicOffsets('t'))[0]!.high, '7')
  assert.equal(scripted.calls(), 2)
})

test('a wabridge Kafka client\'s admin reads the offsets of a real topic as before', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const topic = uniqueName('admin-offsets')
  await createTopic(admin, topic, 2)
  assert.deepEqual((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]).sort(), [[0, '0'], [1, '0']])
})
