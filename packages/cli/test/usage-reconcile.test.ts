import assert from 'node:assert/strict'
import { test } from 'node:test'
import { diffPricing } from '../src/commands/usage.ts'

const point = (o: Record<string, unknown>) => ({ start: 100, end: 200, phone_number: '15550001001', pricing_category: 'UTILITY', pricing_type: 'REGULAR', country: 'IN', volume: 1, cost: 0.01, ...o })

test('diffPricing: every point whose volume or cost differs, a missing side counting as zero', () => {
  assert.deepStrictEqual(diffPricing([point({}), point({ country: 'BR', volume: 2, cost: 0.1 })], [point({ cost: 0.0100000001 }), point({ country: 'BR', volume: 2, cost: 0.1 })]), [])
  assert.deepStrictEqual(diffPricing([point({ volume: 3, cost: 0.03 }), point({ pricing_category: 'MARKETING', cost: 0.05 })], [point({ volume: 3, cost: 0.025 }), point({ start: 200, end: 300 })]), [
    { start: 100, phone_number: '15550001001', pricing_category: 'MARKETING', pricing_type: 'REGULAR', country: 'IN', meta_volume: 1, gateway_volume: 0, meta_cost: 0.05, gateway_cost: 0 },
    { start: 100, phone_number: '15550001001', pricing_category: 'UTILITY', pricing_type: 'REGULAR', country: 'IN', meta_volume: 3, gateway_volume: 3, meta_cost: 0.03, gateway_cost: 0.025 },
    { start: 200, phone_number: '15550001001', pricing_category: 'UTILITY', pricing_type: 'REGULAR', country: 'IN', meta_volume: 0, gateway_volume: 1, meta_cost: 0, gateway_cost: 0.01 }
  ])
})
