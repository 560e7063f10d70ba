import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldInboundMessage, foldInboundStatus } from '../src/fold/fold-record.ts'
import { advance, createPartitionState, expire, setSeen, takeSnapshot, type Retention } from '../src/state/partition-state.ts'
import { BLOCK_ENTRIES, decodeBlock, encodeBlocks, SeenBlocks } from '../src/state/seen-blocks.ts'
import { SeenTable } from '../src/state/seen-table.ts'
import { digest } from '../src/state/keys.ts'
import { applyEntry, createTable, type TpTable } from '../src/state/table.ts'
import { message, PN1, status } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

const DAY = 86_400_000
const retention: Retention = { S: 60_000, H: 8 * DAY, D: 400 * DAY, M: 800 * DAY, seen: 3 * DAY, reach: DAY }

/** A changelog as compaction leaves it: the latest value per key, in the order of each key's latest write. */
function compacted (writes: Array<{ rest: string, value: string | null }>): Array<{ rest: string, value: string | null }> {
  const latest = new Map<string, string | null>()
  for (const w of writes) { latest.delete(w.rest); latest.set(w.rest, w.value) }
  return [...latest].map(([rest, value]) => ({ rest, value }))
}

function restore (log: Array<{ rest: string, value: string | null }>, capacity?: number): TpTable {
  const table = createTable(capacity)
  for (const w of log) applyEntry(table, w.rest, w.value)
  return table
}

const sortedSeen = (t: { seen: SeenTable }) => [...t.seen].sort(([a], [b]) => a < b ? -1 : 1)

test('a flush writes its dedup entries as blocks of at most BLOCK_ENTRIES, not one record each', () => {
  const state = createPartitionState('m', 0)
  for (let i = 0; i < BLOCK_ENTRIES + 10; i++) foldInboundMessage(state, message({ pn: PN1, from: '1', id: `m${i}`, type: 'text', t: T0 + i }))
  advance(state, 0n, T0)
  const writes = takeSnapshot(state).writes
  const blocks = writes.filter((w) => w.rest.startsWith('S|'))
  assert.deepStrictEqual(blocks.map((b) => b.rest), ['S|0', 'S|1'])
  assert.equal(writes.filter((w) => w.rest.startsWith('s|')).length, 0)
  assert.equal(restore(writes).seen.size, BLOCK_ENTRIES + 10)
})

test('a later block holds an entry\'s newer value; a restore in changelog order ends with it', () => {
  const state = createPartitionState('s', 0)
  const log: Array<{ rest: string, value: string | null }> = []
  foldInboundStatus(state, status({ pn: PN1, to: '15550001111', wamid: 'wamid.1', status: 'sent', t: T0 }))
  advance(state, 0n, T0)
  log.push(...takeSnapshot(state).writes)
  foldInboundStatus(state, status({ pn: PN1, to: '15550001111', wamid: 'wamid.1', status: 'read', t: T0 + 5000 }))
  advance(state, 1n, T0 + 5000)
  log.push(...takeSnapshot(state).writes)
  const restored = createPartitionState('s', 0, restore(compacted(log)))
  assert.deepStrictEqual(sortedSeen(restored), sortedSeen(state))
  // The restored state knows the message was read: the same read status again adds nothing.
  foldInboundStatus(restored, status({ pn: PN1, to: '15550001111', wamid: 'wamid.1', status: 'read', t: T0 + 6000 }))
  assert.deepStrictEqual([...restored.counters].sort(), [...state.counters].sort())
  // New blocks continue after the restored ones.
  foldInboundMessage(restored, message({ pn: PN1, from: '1', id: 'new', type: 'text', t: T0 + 7000 }))
  assert.deepStrictEqual(takeSnapshot(restored).writes.filter((w) => w.rest.startsWith('S|')).map((w) => w.rest), ['S|2'])
})

test('a block is deleted once every entry in it is past the dedup TTL', () => {
  const state = createPartitionState('m', 0)
  const log: Array<{ rest: string, value: string | null }> = []
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'old', type: 'text', t: T0 }))
  advance(state, 0n, T0)
  log.push(...takeSnapshot(state).writes)
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'newer', type: 'text', t: T0 + 2 * DAY }))
  advance(state, 1n, T0 + 2 * DAY)
  log.push(...takeSnapshot(state).writes)
  advance(state, 2n, T0 + 3 * DAY + 1000)
  expire(state, retention)
  const writes = takeSnapshot(state).writes
  assert.deepStrictEqual(writes.filter((w) => w.rest.startsWith('S|')), [{ rest: 'S|0', value: null }])
  log.push(...writes)
  const restored = restore(compacted(log))
  assert.deepStrictEqual(sortedSeen(restored), sortedSeen(state))
  assert.equal(restored.blocks.size, 1)
})

test('blocks whose entries the capacity evicted are deleted; a restore holds what the live table holds', () => {
  const capacity = 100
  const state = createPartitionState('m', 0, createTable(capacity))
  const log: Array<{ rest: string, value: string | null }> = []
  for (let flush = 0; flush < 10; flush++) {
    for (let i = 0; i < 30; i++) setSeen(state, digest(`m:${flush}:${i}`), 1, T0 + flush * 60_000 + i * 1000)
    advance(state, BigInt(flush), T0 + flush * 60_000)
    log.push(...takeSnapshot(state).writes)
  }
  assert.ok(state.seen.evicted > 0, 'the capacity evicted entries')
  const deleted = log.filter((w) => w.rest.startsWith('S|') && w.value === null).map((w) => w.rest)
  assert.ok(deleted.length >= 5, `old blocks deleted: ${deleted.join(' ')}`)
  const live = compacted(log).filter((w) => w.rest.startsWith('S|') && w.value !== null)
  assert.ok(live.length <= 5, `${live.length} blocks left for at most ${capacity} entries`)
  const restored = restore(compacted(log), capacity)
  assert.deepStrictEqual(sortedSeen(restored), sortedSeen(state))
})

test('entries in the format before blocks (s|{digest}) are moved into a block and their records deleted', () => {
  const old = createTable()
  const legacy: Array<{ rest: string, value: string | null }> = [
    { rest: `s|${digest('m:a')}`, value: `1:${T0}` },
    { rest: `s|${digest('m:b')}`, value: `1:${T0 + 1000}` },
    { rest: `s|${digest('m:gone')}`, value: `1:${T0}` },
    { rest: `s|${digest('m:gone')}`, value: null },
    { rest: 'o', value: '3' }
  ]
  for (const w of legacy) applyEntry(old, w.rest, w.value)
  const state = createPartitionState('m', 0, old)
  // A message seen before the upgrade is still a duplicate.
  assert.equal(foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'a', type: 'text', t: T0 + 2000 })), 'duplicate')
  const writes = takeSnapshot(state).writes
  const firstBlock = writes.findIndex((w) => w.rest.startsWith('S|'))
  const tombstones = writes.map((w, i) => ({ ...w, i })).filter((w) => w.rest.startsWith('s|'))
  assert.deepStrictEqual(tombstones.map((w) => w.value), [null, null])
  assert.ok(tombstones.every((w) => w.i < firstBlock), 'the old records are deleted before the block that holds their entries')
  const restored = restore(compacted([...legacy, ...writes]))
  assert.deepStrictEqual(sortedSeen(restored), sortedSeen(state))
  assert.equal(restored.legacySeen.size, 0)
  assert.equal(compacted([...legacy, ...writes]).filter((w) => w.rest.startsWith('s|') && w.value !== null).length, 0)
})

test('SeenBlocks: numbers continue past every block seen (deleted ones too), kept in order', () => {
  const blocks = new SeenBlocks()
  blocks.add(0, 10)
  blocks.add(1, 20)
  blocks.remove(2)
  assert.equal(blocks.take(), 3)
  blocks.add(5, 5)
  blocks.add(4, 40)
  assert.equal(blocks.size, 4)
  assert.deepStrictEqual(blocks.takeBefore(21), [0, 1, 5])
  assert.equal(blocks.size, 1)
  assert.deepStrictEqual(blocks.takeBefore(41), [4])
  assert.equal(blocks.take(), 6)
})

test('a block round-trips through its text; a malformed one is refused', () => {
  const seen = new SeenTable()
  const ids = ['a', 'b', 'c'].map((x) => digest(x))
  ids.forEach((id, i) => seen.set(id, i + 1, T0 + i * 1000))
  const [block] = [...encodeBlocks(seen, [...ids, digest('not there')])]
  const copy = new SeenTable()
  assert.equal(decodeBlock(copy, block!.value), block!.maxS)
  assert.equal(block!.maxS * 1000, Math.max(...ids.map((id) => seen.get(id)!.t)))
  assert.deepStrictEqual(sortedSeen({ seen: copy }), sortedSeen({ seen }))
  assert.throws(() => decodeBlock(new SeenTable(), `${ids[0]}1`), /malformed/)
})

test('a malformed block in the changelog does not stop a restore: the entries before the fault are kept, the block is deleted at the next expiry', () => {
  const good = digest('good')
  const table = createTable()
  applyEntry(table, 'S|7', `${good}1:${T0 / 1000},${digest('bad')}x:y`)
  assert.equal(table.seen.get(good)?.flags, 1)
  const state = createPartitionState('m', 0, table)
  advance(state, 0n, T0)
  expire(state, retention, true)
  assert.deepStrictEqual(takeSnapshot(state).writes.filter((w) => w.rest.startsWith('S|')), [{ rest: 'S|7', value: null }])
})
