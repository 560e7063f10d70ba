import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { Kafka, Producer } from 'kafkajs'
import { connectFenced } from '../src/fence.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

const isFenced = (err: unknown) => /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|old epoch|fenced/i.test(`${(err as { type?: string }).type ?? ''} ${(err as Error).message}`)

function transactional (t: TestContext, kafka: Kafka, transactionalId: string): Producer {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 })
  t.after(() => producer.disconnect())
  return producer
}

/** A client, a new one-partition topic and a transactional id, all the test's own. */
async function setUp (t: TestContext, name: string): Promise<{ kafka: Kafka, topic: string, transactionalId: string }> {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName(name)
  await createTopic(admin, topic, 1)
  return { kafka, topic, transactionalId: uniqueName(`${name}-txn`) }
}

async function commitOne (producer: Producer, topic: string, value: string): Promise<void> {
  const txn = await producer.transaction()
  await txn.send({ topic, messages: [{ value }] })
  await txn.commit()
}

test('connectFenced: on return the earlier producer of the id is fenced; its open transaction is aborted and it commits nothing more', { timeout: 60_000 }, async (t) => {
  const { kafka, topic, transactionalId } = await setUp(t, 'fence')

  const old = transactional(t, kafka, transactionalId)
  await connectFenced(old)
  await commitOne(old, topic, 'old-committed')
  const open = await old.transaction()
  await open.send({ topic, messages: [{ value: 'old-open' }] })

  const next = transactional(t, kafka, transactionalId)
  await connectFenced(next)

  await assert.rejects(open.commit(), isFenced, 'the transaction open while the new producer connected committed')
  // (kafkajs refuses it on its side now: its last commit never ended. What counts is that nothing of it is visible.)
  await assert.rejects(commitOne(old, topic, 'old-after'))
  await commitOne(next, topic, 'next-committed')
  // In offset order: the old producer's aborted and refused records, had any been visible, come before the new one's.
  const read = await readAll(kafka, topic, 2)
  assert.deepEqual(read.map((r) => r.value?.toString()), ['old-committed', 'next-committed'])
})

test('kafkajs: connect() alone does not fence an earlier producer of the id (why connectFenced exists)', { timeout: 60_000 }, async (t) => {
  const { kafka, topic, transactionalId } = await setUp(t, 'no-fence')
  const old = transactional(t, kafka, transactionalId)
  await old.connect()
  await commitOne(old, topic, 'old-1')
  const next = transactional(t, kafka, transactionalId)
  await next.connect()
  // If a kafkajs version fences here, this fails: connectFenced's extra step may then go.
  await commitOne(old, topic, 'old-2')
  await commitOne(next, topic, 'next-1')
  await assert.rejects(commitOne(old, topic, 'old-3'), isFenced)
  const read = await readAll(kafka, topic, 3)
  assert.deepEqual(read.map((r) => r.value?.toString()), ['old-1', 'old-2', 'next-1'])
})
