import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient } from '../src/index.ts'
import { brokersFromEnv, connectedAdmin, createTopic, uniqueName } from '../src/testing.ts'

test('a transactional producer asks for its transaction coordinator once, not before every request of every transaction', { timeout: 60_000 }, async (t) => {
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId: 'coordinator-cache-test' })
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('txn-coordinator')
  await createTopic(admin, topic, 1)
  const producer = kafka.producer({ transactionalId: uniqueName('txn'), idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.after(() => producer.disconnect())
  // On a fresh broker the transaction coordinator may still be loading its topic during the first
  // transaction, and kafkajs then rightly asks again: one transaction first, then count.
  const warm = await producer.transaction()
  await warm.send({ topic, messages: [{ value: 'warm-up' }] })
  await warm.commit()
  const requests: Record<string, number> = {}
  producer.on(producer.events.REQUEST, (e) => { requests[e.payload.apiName] = (requests[e.payload.apiName] ?? 0) + 1 })
  for (let i = 0; i < 10; i++) {
    const txn = await producer.transaction()
    await txn.send({ topic, messages: [{ value: `m${i}` }] })
    await txn.commit()
  }
  assert.equal(requests.EndTxn, 10)
  // Without the cache: one FindCoordinator before each AddPartitionsToTxn and each EndTxn (20).
  assert.ok((requests.GroupCoordinator ?? 0) <= 1, `FindCoordinator requests: ${requests.GroupCoordinator}`)
})
