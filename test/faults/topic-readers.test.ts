import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { Kafka, logLevel, type Transaction } from 'kafkajs'
import { fetchTopicOffsetsRetrying, toKafkaHeaders } from '@wabridge/kafka'
import { readEventIdsOnce } from './harness/topic-readers.ts'

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')

/**
 * A one-partition topic holding a committed record (event id `committed-before`), then a record
 * (event id `in-the-open-transaction`) in a transaction left open: its last stable offset stays at 1.
 */
async function topicWithOpenTransaction (t: TestContext): Promise<{ kafka: Kafka, topic: string, transactionalId: string, txn: Transaction }> {
  const kafka = new Kafka({ clientId: 'topic-readers-test', brokers, logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  const topic = `readers-${randomUUID().slice(0, 8)}`
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  })
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
  await fetchTopicOffsetsRetrying(admin, topic)
  const plain = kafka.producer()
  await plain.connect()
  t.after(() => plain.disconnect())
  await plain.send({ topic, messages: [{ value: 'a', headers: toKafkaHeaders({ eventId: 'committed-before' }) }] })
  const transactionalId = `${topic}-tx`
  const transactional = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
  await transactional.connect()
  t.after(() => transactional.disconnect())
  const txn = await transactional.transaction()
  await txn.send({ topic, messages: [{ value: 'b', headers: toKafkaHeaders({ eventId: 'in-the-open-transaction' }) }] })
  return { kafka, topic, transactionalId, txn }
}

// The fault run's measurement reads topics to their end; once it waited a minute on an egress attempts
// partition whose last stable offset did not move, and failed without saying who held it.
test('a reading to the end held back by an open transaction names the producer holding it, notes it and reads on until it ends', { timeout: 120_000 }, async (t) => {
  const { kafka, topic, transactionalId, txn } = await topicWithOpenTransaction(t)

  const notes: string[] = []
  let committed: Promise<void> | undefined
  const ids = await readEventIdsOnce(kafka, [topic], 6_000, {
    brokers,
    note: (line) => { notes.push(line); committed = txn.commit() }
  })
  await committed
  assert.equal(notes.length, 1, notes.join('\n'))
  assert.match(notes[0]!, new RegExp(`^${topic} read to their end: 0 of 1 partitions after 6000 ms; reading 6000 ms more\\. Held back by: ` +
    `${topic}:0: producer \\d+ epoch \\d+ holds an open transaction from offset 1 .*; transactional id ${transactionalId}, coordinator Ongoing`))
  assert.deepEqual([...ids].sort(), ['committed-before', 'in-the-open-transaction'], 'the reading ended once the transaction committed')
})

test('a reading to the end still held back after the second wait fails, saying how far it got', { timeout: 120_000 }, async (t) => {
  // The reader starts with the partition to read (its committed record), and cannot finish it.
  const { kafka, topic, txn } = await topicWithOpenTransaction(t)
  t.after(() => txn.abort().catch(() => {}))
  const notes: string[] = []
  await assert.rejects(readEventIdsOnce(kafka, [topic], 2_000, { brokers, note: (line) => notes.push(line) }),
    new RegExp(`timed out after 2000 ms waiting for ${topic} read to their end \\(0 of 1 partitions\\)`))
  assert.equal(notes.length, 1)
})
