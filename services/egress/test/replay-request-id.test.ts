import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deadLetterKey, replayRequestId } from '../src/dlq-replay.ts'

const letter = { source_topic: 'wa.outbound.requests', source_partition: 3, source_offset: '1204' }

test('a replay request id names the request that died by its position, the same for every run', () => {
  assert.equal(replayRequestId('order-1', letter), 'order-1~replay-3-1204')
  assert.equal(replayRequestId('order-1', letter), replayRequestId('order-1', letter))
  assert.equal(replayRequestId('order-1', letter, 2), 'order-1~replay-3-1204-2')
  assert.equal(deadLetterKey(letter), 'wa.outbound.requests/3/1204')
})

test('a replay of a replay keeps the first request id as its base, and ids stay within 128 characters', () => {
  // A replayed request that died again: its dead letter has the replayed id and a new position.
  assert.equal(replayRequestId('order-1~replay-3-1204', { source_partition: 3, source_offset: '9000' }), 'order-1~replay-3-9000')
  assert.equal(replayRequestId('order-1~replay-3-1204-2', { source_partition: 5, source_offset: '7' }), 'order-1~replay-5-7')
  assert.equal(replayRequestId('order-1~replay-1796669046056', letter), 'order-1~replay-3-1204', 'the form before the replay log')
  const long = 'x'.repeat(128)
  const id = replayRequestId(long, letter, 12)
  assert.equal(id.length, 128)
  assert.match(id, /^x+-[0-9a-f]{16}~replay-3-1204-12$/)
  assert.notEqual(replayRequestId('x'.repeat(127) + 'y', letter, 12), id, 'different long ids stay different')
})
