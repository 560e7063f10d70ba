import assert from 'node:assert/strict'
import { test } from 'node:test'
import { digest } from '../src/state/keys.ts'
import { ReachTable } from '../src/state/reach-table.ts'

const T0 = Date.UTC(2026, 11, 6, 12)
const user = (i: number) => digest(`c:${i}`)

test('a ReachTable keeps the last time per number and user; sizes, deletes and expiry follow', () => {
  const reach = new ReachTable()
  for (let i = 0; i < 1000; i++) reach.set(`pnA|${user(i)}`, T0 + i * 1000)
  for (let i = 0; i < 10; i++) reach.set(`pnB|${user(i)}`, T0)
  assert.equal(reach.size, 1010)
  reach.set(`pnA|${user(3)}`, T0 + 5_000_000)
  assert.equal(reach.size, 1010, 'a later time replaces, it adds nothing')
  assert.equal(reach.get(`pnA|${user(3)}`), T0 + 5_000_000)
  assert.equal(reach.get(`pnB|${user(999)}`), undefined)
  const entries = new Map(reach.entries())
  assert.equal(entries.size, 1010)
  assert.equal(entries.get(`pnB|${user(9)}`), T0)
  assert.equal(reach.delete(`pnB|${user(9)}`), true)
  assert.equal(reach.delete(`pnB|${user(9)}`), false)
  assert.equal(reach.size, 1009)
  // Users reached at or after a time, per number, without their ids.
  const counts = new Map([...reach.numbers()].map(([pn, users]) => [pn, users.countAtOrAfter(T0 + 500_000)]))
  assert.deepEqual(Object.fromEntries(counts), { pnA: 501, pnB: 0 }, 'users 500–999 and user 3, reached again later')
  const expired: string[] = []
  reach.expireBefore(T0 + 1000, (key) => expired.push(key))
  assert.deepEqual(expired.sort(), [`pnA|${user(0)}`, ...Array.from({ length: 9 }, (_, i) => `pnB|${user(i)}`)].sort())
  assert.equal(reach.size, 999)
  assert.deepEqual([...reach.numbers()].map(([pn]) => pn), ['pnA'], 'a number without users is dropped')
})
