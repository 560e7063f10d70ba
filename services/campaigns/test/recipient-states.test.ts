import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RecipientStates, RS } from '../src/recipient-states.ts'

test('events only move a recipient forward: a repeated result or status counts once', () => {
  const s = new RecipientStates(5)
  for (let i = 0; i < 5; i++) s.set(i, RS.queued)
  s.set(4, RS.suppressed)
  assert.equal(s.apply(0, 'a', null), true)
  assert.equal(s.apply(0, 'a', null), false)
  assert.equal(s.apply(1, 'd', null), true) // delivered before the accepted result
  assert.equal(s.apply(1, 'a', null), false)
  assert.equal(s.apply(2, 'f', '131026'), true)
  assert.equal(s.apply(2, 'f', '131026'), false)
  assert.equal(s.apply(3, 'r', null), true)
  assert.deepEqual(s.counts(), { queued: 0, sent: 3, delivered: 2, read: 1, failed: 1, suppressed: 1, skipped: 0 })
  assert.deepEqual(s.failedByCode, { 131026: 1 })
  const copy = RecipientStates.decode(5, s.encode(), s.failedByCode)
  assert.deepEqual(copy.counts(), s.counts())
  assert.equal(copy.apply(99, 'a', null), false)
})
