import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadRateCards, priceCells, splitOverBands, type RateCardSet, type UsageCell } from '../src/index.ts'

// A card small enough to compute by hand: India utility 0.01 for the 1st-10th message of a month,
// 0.008 for the 11th-20th, 0.005 from the 21st; marketing 0.05; service 0.01; Other flat.
function smallCard (): RateCardSet {
  const dir = mkdtempSync(join(tmpdir(), 'cost-'))
  try {
    mkdirSync(join(dir, '2026-10-01'))
    writeFileSync(join(dir, '2026-10-01', 'rates.csv'), 'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n' +
      'India,USD,0.05,0.01,0.02,0.03,0.01\nOther,USD,0.06,0.007,0.007,,0.007\n')
    writeFileSync(join(dir, '2026-10-01', 'volume-tiers.csv'), 'Market,Currency,Category,Volume from,Volume to,Rate\n' +
      'India,USD,Utility,1,10,0.01\nIndia,USD,Utility,11,20,0.008\nIndia,USD,Utility,21,,0.005\n')
    writeFileSync(join(dir, '2026-10-01', 'countries.csv'), 'Country,Market\nIN,India\n')
    return loadRateCards(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const DAY1 = Date.UTC(2026, 9, 1) / 1000
const cell = (o: Partial<UsageCell>): UsageCell => ({ start: DAY1, end: DAY1 + 86_400, phoneNumberId: '1', portfolio: 'P', country: 'IN', category: 'utility', type: 'regular', volume: 1, ...o })

test('splitOverBands puts the n-th message in the band holding n', () => {
  const bands = smallCard().cards[0]!.markets.get('India')!.tiers.utility
  assert.deepStrictEqual(splitOverBands(bands, 8, 15), [
    { tier: '1:10', volume: 2, costMicros: 20_000 },
    { tier: '11:20', volume: 10, costMicros: 80_000 },
    { tier: '21:MAX', volume: 3, costMicros: 15_000 }
  ])
  assert.deepStrictEqual(splitOverBands(bands, 25, 1), [{ tier: '21:MAX', volume: 1, costMicros: 5000 }])
})

test('a bucket crossing a band boundary is split; later buckets continue the month', () => {
  const priced = priceCells([
    cell({ volume: 7 }),
    cell({ start: DAY1 + 86_400, end: DAY1 + 2 * 86_400, volume: 6 }),
    cell({ start: DAY1 + 2 * 86_400, end: DAY1 + 3 * 86_400, volume: 10 })
  ], smallCard())
  // 7 × 0.01; then 3 × 0.01 + 3 × 0.008; then 7 × 0.008 + 3 × 0.005
  assert.deepStrictEqual(priced.map((p) => p.costMicros), [70_000, 54_000, 71_000])
  assert.deepStrictEqual(priced[1]!.bands.map((b) => [b.tier, b.volume]), [['1:10', 3], ['11:20', 3]])
})

test('only charged messages count toward tiers; tiers count per portfolio across numbers, reset monthly', () => {
  const nov = Date.UTC(2026, 10, 1) / 1000
  const priced = priceCells([
    cell({ volume: 9 }),
    cell({ type: 'free_customer_service', volume: 100 }),
    cell({ phoneNumberId: '2', volume: 3 }),
    cell({ phoneNumberId: '3', portfolio: 'Q', volume: 3 }),
    cell({ start: nov, end: nov + 86_400, volume: 2 })
  ], smallCard())
  const by = (pn: string, start = DAY1, type = 'regular') => priced.find((p) => p.phoneNumberId === pn && p.start === start && p.type === type)!
  assert.equal(by('1', DAY1, 'free_customer_service').costMicros, 0)
  assert.equal(by('1').costMicros, 90_000)
  // Number 2 shares portfolio P: its 3 messages are the 10th-12th of the month.
  assert.equal(by('2').costMicros, 10_000 + 2 * 8000)
  // Portfolio Q starts at 1.
  assert.equal(by('3').costMicros, 30_000)
  // November starts again at 1.
  assert.equal(by('1', nov).costMicros, 20_000)
})

test('flat categories, markets and the international authentication rate', () => {
  const priced = priceCells([
    cell({ category: 'marketing', volume: 3 }),
    cell({ category: 'authentication', volume: 2 }),
    cell({ category: 'authentication-international', volume: 2 }),
    cell({ category: 'service', volume: 4 }),
    cell({ category: 'referral_conversion', volume: 5 }),
    cell({ country: 'BR', category: 'utility', volume: 30 }),
    cell({ country: 'BR', category: 'authentication-international', volume: 1 })
  ], smallCard())
  const cost = (category: string, country = 'IN') => priced.find((p) => p.category === category && p.country === country)!
  assert.equal(cost('marketing').costMicros, 150_000)
  assert.equal(cost('authentication').costMicros, 40_000)
  assert.equal(cost('authentication-international').costMicros, 60_000)
  assert.equal(cost('service').costMicros, 40_000)
  assert.equal(cost('referral_conversion').costMicros, 0)
  assert.equal(cost('utility', 'BR').market, 'Other')
  assert.equal(cost('utility', 'BR').costMicros, 210_000)
  assert.equal(cost('authentication-international', 'BR').costMicros, 7000)
})
