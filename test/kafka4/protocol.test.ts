/**
 * The Kafka protocol features wabridge relies on, checked against whatever broker the run has
 * (3.9 in `npm test`, 4.x in smoke.test.ts): a version in common for every API, commit metadata,
 * transactions with sendOffsets, and read_committed isolation.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createConsumer, createKafkaClient } from '@wabridge/kafka'
import { brokersFromEnv, connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { apiSupport, formatSupport } from './api-versions.ts'

test('every API kafkajs implements has a protocol version the broker serves', async (t) => {
  const support = await apiSupport(brokersFromEnv()[0]!)
  for (const s of support) t.diagnostic(formatSupport(s))
  assert.deepEqual(support.filter((s) => s.used === undefined).map(formatSupport), [])
  assert.ok(support.some((s) => s.api === 'Produce' && s.used !== undefined), 'the table lists Produce')
})

test('a consumer group commit carries its metadata, and fetchOffsets returns it', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('meta')
  const groupId = uniqueName('meta')
  await createTopic(admin, topic, 2)
  const producer = kafka.producer()
  await producer.connect()
  t.after(() => producer.disconnect())
  await producer.send({ topic, messages: [{ partition: 0, value: 'a' }, { partition: 1, value: 'b' }] })
  const metadata: Record<number, string> = { 0: '{"at":1700000000000}', 1: 'second' }
  // The commit is made inside the batch handler, as every caller in the product makes it: before
  // kafkajs marks its runner running (a moment after the group turns Stable), commitOffsets
  // returns without committing anything.
  const committed = new Set<number>()
  const consumer = createConsumer(kafka, { groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 })
  t.after(() => consumer.stop())
  await consumer.start({
    eachBatch: async ({ batch }) => {
      await consumer.commit([{ topic, partition: batch.partition, offset: String(BigInt(batch.lastOffset()) + 1n), metadata: metadata[batch.partition]! }])
      committed.add(batch.partition)
    }
  })
  await waitFor(() => committed.size === 2, 30_000, () => `commits for both partitions, have ${[...committed].join(',')}`)
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
  const byPartition = Object.fromEntries(offsets!.partitions.map((p) => [p.partition, p]))
  assert.equal(byPartition[0]!.offset, '1')
  assert.equal(byPartition[0]!.metadata, '{"at":1700000000000}')
  assert.equal(byPartition[1]!.offset, '1')
  assert.equal(byPartition[1]!.metadata, 'second')
})

test('transactions: sendOffsets commits with the records, an abort leaves nothing for read_committed', async (t) => {
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId: uniqueName('txn') })
  const admin = await connectedAdmin(t, kafka)
  const input = uniqueName('txn-in')
  const output = uniqueName('txn-out')
  const groupId = uniqueName('txn')
  await createTopic(admin, input, 1)
  // One partition: the aborted record sits between kept-2 and kept-3, so reading kept-3 proves it was skipped.
  await createTopic(admin, output, 1)
  const producer = kafka.producer({ transactionalId: uniqueName('txn'), idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.after(() => producer.disconnect())

  const committed = await producer.transaction()
  await committed.send({ topic: output, messages: [{ key: 'a', value: 'kept-1' }, { key: 'b', value: 'kept-2' }] })
  await committed.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '42' }] }] })
  await committed.commit()

  const aborted = await producer.transaction()
  await aborted.send({ topic: output, messages: [{ key: 'a', value: 'aborted' }] })
  await aborted.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: '99' }] }] })
  await aborted.abort()

  const after = await producer.transaction()
  await after.send({ topic: output, messages: [{ key: 'c', value: 'kept-3' }] })
  await after.commit()

  const [offsets] = await admin.fetchOffsets({ groupId, topics: [input] })
  assert.equal(offsets!.partitions[0]!.offset, '42', 'the committed transaction\'s offset, not the aborted one\'s')

  const seen: string[] = []
  // A rebalance or restart of the group re-delivers uncommitted records: keep each partition@offset once.
  const delivered = new Set<string>()
  const reader = kafka.consumer({ groupId: uniqueName('reader'), readUncommitted: false })
  await reader.connect()
  t.after(() => reader.disconnect())
  await reader.subscribe({ topics: [output], fromBeginning: true })
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      const id = `${partition}@${message.offset}`
      if (delivered.has(id)) return
      delivered.add(id)
      seen.push(message.value!.toString())
    }
  })
  await waitFor(() => seen.length >= 3, 30_000, () => `3 committed records, have ${seen.join(',')}`)
  assert.deepEqual(seen, ['kept-1', 'kept-2', 'kept-3'])
})
