import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test, type TestContext } from 'node:test'
import type { Kafka, Producer } from 'kafkajs'
import { connectFenced, isFencingError } from '../src/fence.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

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

  await assert.rejects(open.commit(), isFencingError, 'the transaction open while the new producer connected committed')
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
  await assert.rejects(commitOne(old, topic, 'old-3'), isFencingError)
  const read = await readAll(kafka, topic, 3)
  assert.deepEqual(read.map((r) => r.value?.toString()), ['old-1', 'old-2', 'next-1'])
})

test('isFencingError: a fencing answer by type or code, also wrapped by kafkajs after its retries; nothing else', () => {
  const require = createRequire(import.meta.url)
  const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode (code: number): Error }
  const { KafkaJSNumberOfRetriesExceeded, KafkaJSNonRetriableError } = require('kafkajs/src/errors.js') as Record<'KafkaJSNumberOfRetriesExceeded' | 'KafkaJSNonRetriableError', new (e: unknown, o?: object) => Error>
  const retried = (e: Error) => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 5, retryTime: 100 })
  for (const code of [47, 49, 53, 90]) {
    assert.equal(isFencingError(createErrorFromCode(code)), true, `code ${code}`)
    assert.equal(isFencingError(retried(createErrorFromCode(code))), true, `code ${code}, retried`)
  }
  assert.equal(isFencingError(new KafkaJSNonRetriableError('outer', { cause: { code: 90 } })), true)
  assert.equal(isFencingError({ type: 'PRODUCER_FENCED' }), true)

  assert.equal(isFencingError(retried(createErrorFromCode(6))), false, 'NOT_LEADER_OR_FOLLOWER')
  assert.equal(isFencingError(createErrorFromCode(51)), false, 'CONCURRENT_TRANSACTIONS')
  assert.equal(isFencingError(new Error('the word fenced in a message is not an answer')), false)
  assert.equal(isFencingError(undefined), false)
  assert.equal(isFencingError('INVALID_PRODUCER_EPOCH'), false)
  const cyclic: { cause?: unknown } = {}
  cyclic.cause = cyclic
  assert.equal(isFencingError(cyclic), false)
})
