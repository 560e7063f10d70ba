import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createDedupCache } from '../src/dedup-cache.ts'

test('remembers an id for exactly ttlMs on the injected clock', () => {
  let now = 1_000
  const cache = createDedupCache({ ttlMs: 100, maxEntries: 10, now: () => now })
  assert.equal(cache.has('a'), false)
  cache.add('a')
  now += 99
  assert.equal(cache.has('a'), true)
  now += 1
  assert.equal(cache.has('a'), false)
  assert.equal(cache.size, 0)
})

test('forgets the oldest ids beyond maxEntries', () => {
  const cache = createDedupCache({ ttlMs: 1_000_000, maxEntries: 3, now: () => 0 })
  for (const id of ['a', 'b', 'c', 'd']) cache.add(id)
  assert.equal(cache.size, 3)
  assert.deepEqual(['a', 'b', 'c', 'd'].map((id) => cache.has(id)), [false, true, true, true])
})

test('re-adding an id renews it and moves it behind younger ones', () => {
  let now = 0
  const cache = createDedupCache({ ttlMs: 100, maxEntries: 2, now: () => now })
  cache.add('a')
  now = 50
  cache.add('b')
  cache.add('a')
  cache.add('c')
  assert.deepEqual(['a', 'b', 'c'].map((id) => cache.has(id)), [true, false, true])
  now = 149
  assert.equal(cache.has('a'), true)
})

test('expired ids are pruned when new ones are added, so memory follows the window', () => {
  let now = 0
  const cache = createDedupCache({ ttlMs: 10, maxEntries: 1000, now: () => now })
  for (let i = 0; i < 100; i++) cache.add(`old-${i}`)
  now = 10
  cache.add('new')
  assert.equal(cache.size, 1)
})

test('an id re-added after it expired is not forgotten when its first slot is freed', () => {
  let now = 0
  const cache = createDedupCache({ ttlMs: 10, maxEntries: 3, now: () => now })
  cache.add('a')
  now = 10
  assert.equal(cache.has('a'), false)
  cache.add('a')
  cache.add('b')
  cache.add('c')
  assert.deepEqual(['a', 'b', 'c'].map((id) => cache.has(id)), [true, true, true])
  assert.equal(cache.size, 3)
})

test('keeps exactly the newest maxEntries ids however many pass through', () => {
  for (const maxEntries of [1000, 3000]) {
    const cache = createDedupCache({ ttlMs: 1_000_000, maxEntries, now: () => 0 })
    for (let i = 0; i < 50_000; i++) cache.add(`id-${i}`)
    assert.equal(cache.size, maxEntries)
    assert.equal(cache.has(`id-${49_999 - maxEntries}`), false)
    assert.equal(cache.has(`id-${50_000 - maxEntries}`), true)
    assert.equal(cache.has('id-49999'), true)
  }
})

test('holds ids across the growth of its slots in the order they came, expiring the oldest first', () => {
  let now = 0
  const cache = createDedupCache({ ttlMs: 10_000, maxEntries: 5000, now: () => now })
  for (let i = 0; i < 3000; i++) {
    now = i
    cache.add(`id-${i}`)
  }
  assert.equal(cache.size, 3000)
  now = 10_000 + 1499
  cache.add('late')
  assert.equal(cache.size, 1501)
  assert.equal(cache.has('id-1499'), false)
  assert.equal(cache.has('id-1500'), true)
  assert.equal(cache.has('id-2999'), true)
  assert.equal(cache.has('late'), true)
})
