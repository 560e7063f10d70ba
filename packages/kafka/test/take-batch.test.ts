import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RECORD_BATCH_OVERHEAD_BYTES } from '../src/index.ts'
import { takeBatch, type SizedItem } from '../src/take-batch.ts'

const item = (id: string, partition: number, bytes: number, maxMessageBytes = 1000, topic = 't'): SizedItem & { id: string } =>
  ({ id, topic, partition, bytes, maxMessageBytes })
const ids = (items: Array<{ id: string }>) => items.map((i) => i.id)
const roomy = { maxRecords: 100, maxRequestBytes: 1 << 30 }

test('a partition takes records while its batch stays within max.message.bytes; later records of it wait, others go on', () => {
  const per = (1000 - RECORD_BATCH_OVERHEAD_BYTES) / 3
  const queue = [item('a1', 0, per), item('a2', 0, per), item('b1', 1, 900), item('a3', 0, 500), item('a4', 0, 1), item('b2', 1, 100), item('c1', 2, 10)]
  const { taken, rest } = takeBatch(queue, roomy)
  assert.deepEqual(ids(taken), ['a1', 'a2', 'b1', 'c1'])
  // a4 would still fit in partition 0's batch, but goes only after a3: order within a partition is kept.
  assert.deepEqual(ids(rest), ['a3', 'a4', 'b2'])
  assert.deepEqual(ids(takeBatch([item('full', 0, 1000 - RECORD_BATCH_OVERHEAD_BYTES), item('next', 0, 1)], roomy).taken), ['full'])
})

test('the same partition number of two topics is two batches, each with its own cap', () => {
  const { taken } = takeBatch([item('x', 0, 900, 1000, 'one'), item('y', 0, 900, 1000, 'two'), item('z', 0, 900, 1000, 'one')], roomy)
  assert.deepEqual(ids(taken), ['x', 'y'])
})

test('a request takes at most maxRecords records and maxRequestBytes bytes, but always its first record', () => {
  const queue = Array.from({ length: 10 }, (_, i) => item(`r${i}`, i, 100, 10_000))
  assert.deepEqual(ids(takeBatch(queue, { maxRecords: 4, maxRequestBytes: 1 << 30 }).taken), ['r0', 'r1', 'r2', 'r3'])
  assert.deepEqual(ids(takeBatch(queue, { maxRecords: 100, maxRequestBytes: 250 }).taken), ['r0', 'r1'])
  assert.deepEqual(ids(takeBatch([item('big', 0, 5000, 10_000)], { maxRecords: 100, maxRequestBytes: 10 }).taken), ['big'])
})
