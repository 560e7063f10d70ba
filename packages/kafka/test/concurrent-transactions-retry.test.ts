import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { warmTransactionalProducer } from './helpers.ts'

const require = createRequire(import.meta.url)

test('back-to-back transactions: CONCURRENT_TRANSACTIONS is asked again at the coordinator, without a metadata refresh or a resend', { timeout: 60_000 }, async (t) => {
  const { admin, topic, producer } = await warmTransactionalProducer(t, 'concurrent-transactions-test')
  // What the coordinator answered, seen below the retry (each attempt's request on its connection).
  const concurrent = { count: 0 }
  const connection = require('kafkajs/src/network/connection.js') as { prototype: { send: (request: unknown) => Promise<unknown> } }
  const send = connection.prototype.send
  connection.prototype.send = async function (request) {
    try {
      return await send.call(this, request)
    } catch (err) {
      if ((err as { type?: string }).type === 'CONCURRENT_TRANSACTIONS') concurrent.count++
      throw err
    }
  }
  t.after(() => { connection.prototype.send = send })
  const requests: Record<string, number> = {}
  producer.on(producer.events.REQUEST, (e) => { requests[e.payload.apiName] = (requests[e.payload.apiName] ?? 0) + 1 })
  const transactions = 30
  for (let i = 0; i < transactions; i++) {
    const txn = await producer.transaction()
    await txn.send({ topic, messages: [{ value: `m${i}` }] })
    await txn.commit()
  }
  assert.equal(requests.EndTxn, transactions)
  // Each record went out once: a CONCURRENT_TRANSACTIONS that reached kafkajs' send retry would resend the batch.
  assert.equal(requests.Produce, transactions)
  // kafkajs refreshes the producer's metadata on every retriable error of a send (one Metadata request each).
  assert.equal(requests.Metadata ?? 0, 0, `Metadata requests: ${requests.Metadata}; CONCURRENT_TRANSACTIONS answers: ${concurrent.count}`)
  // Every CONCURRENT_TRANSACTIONS answer cost one more AddPartitionsToTxn, and nothing else.
  assert.equal(requests.AddPartitionsToTxn, transactions + concurrent.count)
  const offsets = await admin.fetchTopicOffsets(topic)
  // 31 records and 31 commit markers.
  assert.equal(offsets[0]!.high, String(2 * (transactions + 1)))
})
