import assert from 'node:assert/strict'
import { test } from 'node:test'
import { OffsetTracker } from '../src/offset-tracker.ts'

test('commits only up to the lowest unfinished offset', () => {
  const t = new OffsetTracker()
  assert.equal(t.committable(), undefined)
  for (const o of ['10', '11', '12', '13']) t.add(o)
  assert.equal(t.committable(), '10')
  t.done('12')
  t.done('11')
  assert.equal(t.committable(), '10', 'offset 10 is still unfinished')
  t.done('10')
  assert.equal(t.committable(), '13')
  t.done('13')
  assert.equal(t.committable(), '14')
  assert.equal(t.pendingCount, 0)
  t.done('13')
  assert.equal(t.committable(), '14', 'finishing twice changes nothing')
})

test('handles offsets beyond 2^53', () => {
  const t = new OffsetTracker()
  t.add('9007199254740993')
  t.done('9007199254740993')
  assert.equal(t.committable(), '9007199254740994')
})
