import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Ledger } from '../src/ledger.ts'

test('a result makes a request final for good; later markers do not reopen it', () => {
  const ledger = new Ledger(() => 1000)
  ledger.apply(3, { kind: 'attempt', requestId: 'r', attempt: 0, state: 'started', instance: 'a' })
  assert.deepEqual(ledger.get(3, 'r'), { final: false, attempt: 0, state: 'started', instance: 'a', touchedAt: 1000 })
  ledger.apply(3, { kind: 'result', requestId: 'r' })
  ledger.apply(3, { kind: 'attempt', requestId: 'r', attempt: 1, state: 'started', instance: 'b' })
  assert.equal(ledger.get(3, 'r')?.final, true)
  assert.equal(ledger.get(4, 'r'), undefined, 'partitions are separate')
  assert.equal(ledger.size(3), 1)
})

test('a not-sent marker of the same attempt wins over started; a higher attempt wins over both', () => {
  const ledger = new Ledger(() => 0)
  ledger.apply(0, { kind: 'attempt', requestId: 'r', attempt: 2, state: 'started', instance: 'a' })
  ledger.apply(0, { kind: 'attempt', requestId: 'r', attempt: 2, state: 'not-sent', instance: 'a' })
  assert.equal(ledger.get(0, 'r')?.state, 'not-sent')
  ledger.apply(0, { kind: 'attempt', requestId: 'r', attempt: 1, state: 'started', instance: 'a' })
  assert.deepEqual([ledger.get(0, 'r')?.attempt, ledger.get(0, 'r')?.state], [2, 'not-sent'], 'an older attempt changes nothing')
  ledger.apply(0, { kind: 'attempt', requestId: 'r', attempt: 3, state: 'started', instance: 'b' })
  assert.deepEqual([ledger.get(0, 'r')?.attempt, ledger.get(0, 'r')?.instance], [3, 'b'])
})

test('prune forgets results and attempts untouched for maxAge, and keeps the newer ones', () => {
  let now = 0
  const ledger = new Ledger(() => now)
  ledger.apply(0, { kind: 'result', requestId: 'old-final' })
  ledger.apply(0, { kind: 'attempt', requestId: 'old-open', attempt: 0, state: 'not-sent', instance: 'a' })
  now = 5000
  ledger.apply(0, { kind: 'result', requestId: 'new-final' })
  ledger.apply(0, { kind: 'attempt', requestId: 'new-open', attempt: 0, state: 'started', instance: 'a' })
  // Noted again later: counts from the last time.
  ledger.apply(1, { kind: 'result', requestId: 'x' })
  now = 6000
  ledger.prune(3000)
  assert.equal(ledger.get(0, 'old-final'), undefined)
  assert.equal(ledger.get(0, 'old-open'), undefined)
  assert.equal(ledger.get(0, 'new-final')?.final, true)
  assert.equal(ledger.get(0, 'new-open')?.state, 'started')
  assert.equal(ledger.get(1, 'x')?.final, true)
  assert.equal(ledger.size(0), 2)
})

test('waitForFinal resolves true when the result arrives, false at its timeout', async () => {
  const ledger = new Ledger(Date.now)
  const waiting = ledger.waitForFinal(0, 'r', 5000)
  ledger.apply(0, { kind: 'result', requestId: 'r' })
  assert.equal(await waiting, true)
  assert.equal(await ledger.waitForFinal(0, 'never', 20), false)
})

test('an attempt is in doubt while it was started by another instance and has no result', () => {
  const ledger = new Ledger(() => 0)
  ledger.apply(0, { kind: 'attempt', requestId: 'a', attempt: 0, state: 'started', instance: 'me' })
  ledger.apply(0, { kind: 'attempt', requestId: 'b', attempt: 0, state: 'not-sent', instance: 'other' })
  assert.equal(ledger.hasInDoubt(0, 'me'), false, 'own attempts and attempts that provably did not go out')
  ledger.apply(0, { kind: 'attempt', requestId: 'c', attempt: 1, state: 'started', instance: 'other' })
  assert.equal(ledger.hasInDoubt(0, 'me'), true)
  assert.equal(ledger.hasInDoubt(1, 'me'), false, 'per partition')
  ledger.apply(0, { kind: 'result', requestId: 'c' })
  assert.equal(ledger.hasInDoubt(0, 'me'), false)
})
