import assert from 'node:assert/strict'
import { test } from 'node:test'
import { warmTransactionalProducer } from './helpers.ts'

test('a transactional producer asks for its transaction coordinator once, not before every request of every transaction', { timeout: 60_000 }, async (t) => {
  const { topic, producer } = await warmTransactionalProducer(t, 'coordinator-cache-test')
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
