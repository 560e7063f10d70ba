import assert from 'node:assert/strict'
import { test } from 'node:test'
import { suppressionKey, type Suppression } from '@wabridge/schemas'
import { readAll } from '@wabridge/kafka/testing'
import { createSuppressionStore } from '../src/index.ts'
import { codec, logger, manualClock, startStore, testKafka, WABA } from './helpers.ts'

const suppression = (waId: string, o: Partial<Suppression> = {}): Suppression => ({
  scope: WABA, wa_id: waId, reason: 'manual', source: 'test', created_at: Date.parse('2026-12-01T10:00:00Z'), expires_at: null, created_by: 'ops', ...o
})

test('the store writes suppressions to the compacted topic, lifts them with tombstones, and a restart reads them back', async (t) => {
  const clock = manualClock()
  const { store, topic } = await startStore(t, { clock: clock.now })
  await store.add(suppression('16505551234'))
  await store.add(suppression('393471234567', { reason: 'marketing_limit', expires_at: clock.now() + 60_000 }))
  await store.add(suppression('447700900123', { reason: 'keyword' }))
  assert.equal(store.isSuppressed(WABA, '16505551234')?.reason, 'manual')
  assert.equal(store.isSuppressed('other', '16505551234'), undefined)
  assert.equal(store.size, 3)
  assert.deepEqual(store.list({ reason: 'keyword' }).map((s) => s.wa_id), ['447700900123'])
  assert.equal(store.list({ limit: 2 }).length, 2)

  assert.equal(await store.remove(WABA, '447700900123'), true)
  assert.equal(await store.remove(WABA, '447700900123'), false)
  assert.equal(store.isSuppressed(WABA, '447700900123'), undefined)

  const records = await readAll(testKafka(), topic, 4)
  assert.deepEqual(records.map((r) => [r.key, r.value === null]), [
    [suppressionKey(WABA, '16505551234'), false], [suppressionKey(WABA, '393471234567'), false], [suppressionKey(WABA, '447700900123'), false], [suppressionKey(WABA, '447700900123'), true]
  ])

  // The marketing limit has passed for the second reader: not active, and its start tombstones it.
  clock.advance(60_000)
  assert.equal(store.isSuppressed(WABA, '393471234567'), undefined)
  assert.equal(store.list().length, 1)
  assert.equal(store.list({ all: true }).length, 2)
  const again = createSuppressionStore({ kafka: testKafka(), topic, codec, logger, clock: clock.now, sweepIntervalMs: 0 })
  t.after(() => again.stop())
  await again.start()
  assert.equal(again.isSuppressed(WABA, '16505551234')?.created_by, 'ops')
  assert.equal(again.isSuppressed(WABA, '447700900123'), undefined)
  assert.equal(again.size, 1, 'the expired one was tombstoned at start')
  // The first store follows the topic: it sees the tombstone too.
  await store.catchUp()
  assert.equal(store.size, 1)
})
