import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseMessagingLimit } from '../src/index.ts'

test('reads the tier strings of the limit field and of webhook tables', () => {
  assert.deepEqual(parseMessagingLimit('TIER_250'), { tier: 'TIER_250', limit: 250 })
  assert.deepEqual(parseMessagingLimit('TIER_2K'), { tier: 'TIER_2K', limit: 2000 })
  assert.deepEqual(parseMessagingLimit('TIER_100K'), { tier: 'TIER_100K', limit: 100_000 })
  assert.deepEqual(parseMessagingLimit('TIER_UNLIMITED'), { tier: 'TIER_UNLIMITED', limit: null })
  assert.deepEqual(parseMessagingLimit('TIER_1K'), { tier: 'TIER_1K', limit: 1000 }, 'a legacy value')
  assert.deepEqual(parseMessagingLimit('TIER_NOT_SET'), { tier: 'TIER_NOT_SET', limit: undefined })
})

test('reads the numeric forms business_capability_update also uses (2000, "10000", -1, UNLIMITED)', () => {
  assert.deepEqual(parseMessagingLimit(2000), { tier: 'TIER_2K', limit: 2000 })
  assert.deepEqual(parseMessagingLimit('10000'), { tier: 'TIER_10K', limit: 10_000 })
  assert.deepEqual(parseMessagingLimit(-1), { tier: 'TIER_UNLIMITED', limit: null })
  assert.deepEqual(parseMessagingLimit('UNLIMITED'), { tier: 'TIER_UNLIMITED', limit: null })
})

test('anything else is UNKNOWN, never an error', () => {
  for (const v of ['TIER_3K', 1234, '', null, undefined, {}, 2.5]) assert.deepEqual(parseMessagingLimit(v), { tier: 'UNKNOWN', limit: undefined }, String(v))
})
