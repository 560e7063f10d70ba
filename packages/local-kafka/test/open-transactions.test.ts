import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { fetchTopicOffsetsRetrying } from '@wabridge/kafka'
import { describeOpenTransactions, formatOpenTransactions } from '../src/open-transactions.ts'

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')

test('describeOpenTransactions names the producer whose open transaction holds a partition back, and sees it end', { timeout: 120_000 }, async (t) => {
  const kafka = new Kafka({ clientId: 'open-transactions-test', brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const topic = `open-txn-${randomUUID().slice(0, 8)}`
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  })
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] })
  await fetchTopicOffsetsRetrying(admin, topic)
  const transactionalId = `${topic}-tx`
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 45_000 })
  await producer.connect()
  t.after(() => producer.disconnect())
  const txn = await producer.transaction()
  await txn.send({ topic, messages: [{ partition: 1, value: 'open 1' }, { partition: 1, value: 'open 2' }] })

  const open = await describeOpenTransactions(brokers, [{ topic, partition: 0 }, { topic, partition: 1 }])
  assert.deepEqual(open.map((p) => [p.topic, p.partition]), [[topic, 0], [topic, 1]])
  assert.deepEqual(open[0]!.producers, [], 'nothing was written to partition 0')
  const [holder] = open[1]!.producers
  assert.equal(open[1]!.producers.length, 1)
  assert.equal(holder!.openTransactionStartOffset, 0)
  assert.equal(holder!.transactionalId, transactionalId)
  assert.equal(holder!.coordinatorState, 'Ongoing')
  assert.equal(holder!.transactionTimeoutMs, 45_000)
  assert.deepEqual(holder!.transactionPartitions, [`${topic}:1`])
  assert.ok(holder!.transactionStartedAgoMs !== null && holder!.transactionStartedAgoMs! >= 0 && holder!.transactionStartedAgoMs! < 60_000)
  assert.match(formatOpenTransactions(open), new RegExp(`${topic}:1: producer ${holder!.producerId} epoch \\d+ holds an open transaction from offset 0 .*transactional id ${transactionalId}, coordinator Ongoing`))
  assert.match(formatOpenTransactions(open), new RegExp(`${topic}:0: no open transaction \\(0 producers known\\)`))

  await txn.abort()
  // The abort returns once the coordinator decided it; the marker reaches the partition after: wait
  // until the last stable offset passes it (two records and the marker).
  for (const deadline = Date.now() + 30_000; (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 1)?.high !== '3';) {
    assert.ok(Date.now() < deadline, 'the abort marker was written within 30 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const [after] = await describeOpenTransactions(brokers, [{ topic, partition: 1 }])
  assert.equal(after!.producers.length, 1, 'the producer is still known to the leader')
  assert.equal(after!.producers[0]!.openTransactionStartOffset, null, 'its transaction ended with the abort marker')
})

test('describeOpenTransactions reports a broker it cannot reach as an error, with the partitions asked about', { timeout: 90_000 }, async () => {
  await assert.rejects(describeOpenTransactions(['127.0.0.1:9'], [{ topic: 'nowhere', partition: 3 }], { callTimeoutMs: 2_000 }),
    /could not describe the open transactions of nowhere:3/)
})
