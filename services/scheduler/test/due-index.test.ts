import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DueIndex, ScanCollector, type PendingEntry } from '../src/index.ts'

const entry = (id: string, sendAt: number): PendingEntry => ({ id, sendAt, key: '1', value: Buffer.from(id), headers: {}, source: '0:0' })

test('a scan keeps the earliest entries at or after its floor; the boundary promises everything before it', () => {
  const c = new ScanCollector({ maxEntries: 3, limit: 1000, floor: 10 })
  for (const [id, at] of [['a', 50], ['b', 5], ['c', 40], ['d', 30], ['e', 20], ['f', 2000], ['g', 45]] as const) c.offer(id, at, () => entry(id, at))
  assert.deepEqual([...c.entries()].map((e) => e.id).sort(), ['c', 'd', 'e'])
  assert.equal(c.boundary, 45, 'a was let go for capacity, g was not taken')
  assert.equal(c.evicted, 2)
  c.remove('d')
  c.offer('e', 5, () => entry('e', 5))
  assert.deepEqual([...c.entries()].map((e) => e.id), ['c'], 'e moved before the floor: the index has it')
})

test('the index releases in due order, keeps the boundary invariant on intake and trims past its size', () => {
  const index = new DueIndex({ boundary: 100, maxEntries: 2, entries: [entry('x', 30), entry('y', 10)] })
  assert.equal(index.put(entry('late', 150), 1000), false)
  assert.equal(index.boundary, 100)
  assert.equal(index.put(entry('beyond-limit', 90), 50), false, 'past the horizon: not kept')
  assert.equal(index.boundary, 90)
  assert.equal(index.put(entry('z', 20), 1000), true)
  assert.equal(index.size, 2, 'trimmed to maxEntries')
  assert.equal(index.boundary, 30, 'x was let go')
  assert.equal(index.get('x'), undefined)
  assert.equal(index.put(entry('w', 5), 1000), true)
  assert.equal(index.size, 2, 'trimmed to maxEntries')
  assert.equal(index.boundary, 20)
  assert.deepEqual(index.takeDue(15, 10).map((e) => e.id), ['w', 'y'])
  assert.equal(index.peek(), undefined)
})
