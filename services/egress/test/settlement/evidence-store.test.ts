import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createEvidenceStore } from '../../src/settlement/evidence-store.ts'
import type { StatusEvidence } from '../../src/settlement/status-evidence.ts'
import { evidence } from './fixtures.ts'

function storeWithClock (options: { windowMs?: number, maxEntries?: number } = {}) {
  let now = 1_000_000
  const clock = { now: () => now, advance: (ms: number) => { now += ms } }
  const store = createEvidenceStore({ windowMs: options.windowMs ?? 60_000, maxEntries: options.maxEntries ?? 100, clock: clock.now })
  const seen = (requestId: string, rest: Partial<StatusEvidence> = {}) => evidence({ requestId, seenAt: now, ...rest })
  return { store, clock, seen }
}

test('the first deciding status of a request wins', () => {
  const { store, seen } = storeWithClock()
  assert.equal(store.add(seen('a', { status: 'sent' })), true)
  assert.equal(store.add(seen('a', { status: 'failed' })), false)
  assert.equal(store.get('a')?.status, 'sent')
})

test('evidence is pruned once the window after it was seen has passed', () => {
  const { store, clock, seen } = storeWithClock({ windowMs: 60_000 })
  store.add(seen('old'))
  clock.advance(30_000)
  store.add(seen('newer'))
  clock.advance(30_000)
  assert.equal(store.get('old'), undefined, 'seen exactly windowMs ago')
  assert.equal(store.get('newer')?.requestId, 'newer')
  clock.advance(30_000)
  assert.equal(store.get('newer'), undefined)
  assert.deepEqual(store.stats(), { entries: 0, watched: 0, dropped: 0, expired: 2 })
})

test('past the cap the oldest entry is dropped and counted', () => {
  const { store, seen } = storeWithClock({ maxEntries: 2 })
  for (const id of ['a', 'b', 'c']) store.add(seen(id))
  assert.equal(store.get('a'), undefined)
  assert.ok(store.get('b') && store.get('c'))
  assert.deepEqual(store.stats(), { entries: 2, watched: 0, dropped: 1, expired: 0 })
})

test('a watcher is called once when evidence arrives, and at once when it is already known', () => {
  const { store, seen } = storeWithClock()
  const calls: string[] = []
  store.watch('later', (e) => calls.push(`later:${e.status}`))
  store.add(seen('later', { status: 'delivered' }))
  store.add(seen('later', { status: 'read' }))
  store.add(seen('known'))
  store.watch('known', (e) => calls.push(`known:${e.status}`))
  assert.deepEqual(calls, ['later:delivered', 'known:delivered'])
})

test('an unsubscribed watcher is not called', () => {
  const { store, seen } = storeWithClock()
  let called = false
  const unsubscribe = store.watch('a', () => { called = true })
  unsubscribe()
  store.add(seen('a'))
  assert.equal(called, false)
  assert.equal(store.stats().watched, 0)
})

test('evidence of a watched id outlives the window and the cap until it is unsubscribed', () => {
  const { store, clock, seen } = storeWithClock({ windowMs: 60_000, maxEntries: 1 })
  store.add(seen('watched'))
  const unsubscribe = store.watch('watched', () => {})
  store.add(seen('other'))
  assert.equal(store.stats().dropped, 1, 'the cap pushed it out of the window map')
  clock.advance(120_000)
  assert.equal(store.get('other'), undefined)
  assert.equal(store.get('watched')?.requestId, 'watched')
  unsubscribe()
  assert.equal(store.get('watched'), undefined)
})
