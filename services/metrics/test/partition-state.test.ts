import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldInboundMessage } from '../src/fold/fold-record.ts'
import { advance, createPartitionState, expire, takeSnapshot, type Retention } from '../src/state/partition-state.ts'
import { applyEntry, createTable } from '../src/state/table.ts'
import { message, PN1 } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

const DAY = 86_400_000
const retention: Retention = { S: 60_000, H: 8 * DAY, D: 400 * DAY, M: 800 * DAY, seen: 3 * DAY, reach: DAY }

test('a snapshot holds the changed entries, the next offset and the monthly increases; the next one only what changed since', () => {
  const state = createPartitionState('m', 2)
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'a', type: 'text', t: T0 }))
  advance(state, 41n, T0)
  const first = takeSnapshot(state)
  assert.equal(first.nextOffset, '42')
  assert.ok(first.writes.some((w) => w.rest === 'o' && w.value === '42'))
  assert.equal(first.writes.filter((w) => w.rest.startsWith('c|')).length, 3)
  assert.deepStrictEqual(first.deltas.map((d) => d.delta), [1])
  assert.deepStrictEqual(takeSnapshot(state).writes, [])
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'b', type: 'text', t: T0 }))
  advance(state, 42n, T0)
  const second = takeSnapshot(state)
  assert.deepStrictEqual(second.deltas.map((d) => d.delta), [1])
  assert.equal(second.writes.find((w) => w.rest.startsWith('c|M|'))!.value, '2')
})

test('a state restored from its changelog entries equals the original', () => {
  const state = createPartitionState('m', 0)
  for (const id of ['a', 'b', 'c']) foldInboundMessage(state, message({ pn: PN1, from: '1', id, type: 'text', t: T0 }))
  advance(state, 9n, T0)
  const table = createTable()
  for (const w of takeSnapshot(state).writes) applyEntry(table, w.rest, w.value)
  const restored = createPartitionState('m', 0, table)
  assert.equal(restored.nextOffset, 10n)
  assert.deepStrictEqual([...restored.counters].sort(), [...state.counters].sort())
  assert.deepStrictEqual([...restored.seen].sort(), [...state.seen].sort())
  assert.deepStrictEqual(restored.committed, new Map([...state.counters].filter(([k]) => k.startsWith('c|M|'))))
})

test('expiry by stream time writes tombstones', () => {
  const state = createPartitionState('m', 0)
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'a', type: 'text', t: T0 }))
  takeSnapshot(state)
  advance(state, 0n, T0 + 9 * DAY)
  expire(state, retention)
  const writes = takeSnapshot(state).writes.filter((w) => w.value === null).map((w) => w.rest.slice(0, 3))
  // The half-hour counter and the block holding the dedup id are gone; the day and month counters stay.
  assert.deepStrictEqual(writes.sort(), ['S|0', 'c|H'])
  assert.equal(state.seen.size, 0)
  assert.equal(state.counters.size, 2)
})
