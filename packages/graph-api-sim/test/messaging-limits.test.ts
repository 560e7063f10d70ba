import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMessagingLimits, DAY_MS, derivePortfolioId } from '../src/messaging-limits.ts'

const T0 = 1_800_000_000_000

test('counts unique users per portfolio in a moving 24 h: repeats count once, beyond the limit nobody new is counted', () => {
  const limits = createMessagingLimits({ tiers: { P: 'TIER_50' }, portfolios: { W: 'P' } })
  for (let i = 0; i < 50; i++) assert.equal(limits.reach('P', `u${i}`, T0 + i), true)
  assert.equal(limits.reach('P', 'u0', T0 + 100), true, 'a user reached in the last 24 h fits again')
  assert.equal(limits.reach('P', 'new', T0 + 100), false)
  assert.equal(limits.reach('P', 'new2', T0 + 100), false)
  assert.deepEqual(limits.info('P', T0 + 100), { id: 'P', tier: 'TIER_50', limit: 50, wabaIds: ['W'], reached: 50, overLimit: 2 })
  // u1 was reached at T0 + 1: once 24 h have passed since, its place frees; u0 was refreshed at T0 + 100.
  assert.equal(limits.reach('P', 'new', T0 + 1 + DAY_MS), true)
  assert.equal(limits.reach('P', 'new2', T0 + 1 + DAY_MS), false, 'only u1 left the window')
  assert.equal(limits.reach('P', 'new2', T0 + 2 + DAY_MS), true)
  assert.equal(limits.info('P', T0 + 99 + DAY_MS).reached, 3, 'u0 (refreshed at T0 + 100), new and new2 are left')
  assert.equal(limits.info('P', T0 + 100 + DAY_MS).reached, 2)
})

test('WABAs share the limit of their portfolio; unconfigured WABAs each have their own, unlimited by default', () => {
  const limits = createMessagingLimits({ portfolios: { W1: 'P', W2: 'P' }, tiers: { P: 'TIER_50' } })
  limits.noteWaba('W3')
  assert.equal(limits.portfolioOf('W1'), limits.portfolioOf('W2'))
  assert.equal(limits.portfolioOf('W3'), 'W3-business')
  assert.equal(derivePortfolioId('102290129340398'), '103290129340398')
  for (let i = 0; i < 25; i++) limits.reach(limits.portfolioOf('W1'), `a${i}`, T0)
  for (let i = 0; i < 25; i++) limits.reach(limits.portfolioOf('W2'), `b${i}`, T0)
  assert.equal(limits.reach(limits.portfolioOf('W2'), 'c', T0), false)
  for (let i = 0; i < 1000; i++) assert.equal(limits.reach(limits.portfolioOf('W3'), `d${i}`, T0), true)
  assert.deepEqual(limits.list(T0).map((p) => [p.id, p.tier, p.limit, p.reached, p.wabaIds]), [
    ['P', 'TIER_50', 50, 50, ['W1', 'W2']],
    ['W3-business', 'TIER_UNLIMITED', null, 1000, ['W3']]
  ])
  limits.setTier('P', 'TIER_250')
  assert.equal(limits.reach('P', 'c', T0), true, 'a higher tier makes room at once')
  limits.clearCounts()
  assert.equal(limits.info('P', T0).reached, 0)
})
