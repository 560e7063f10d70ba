import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { cardAt, createRateCardStore, EXAMPLE_RATE_CARD_DIR, loadRateCards, parseRate, RateCardError } from '../src/index.ts'

const RATES = 'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n'
const TIERS = 'Market,Currency,Category,Volume from,Volume to,Rate\n'
const COUNTRIES = 'Country,Market\n'

function cardDir (t: TestContext, cards: Record<string, { rates: string, tiers?: string, countries?: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rate-card-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  writeCards(dir, cards)
  return dir
}

function writeCards (dir: string, cards: Record<string, { rates: string, tiers?: string, countries?: string }>): void {
  for (const [date, c] of Object.entries(cards)) {
    mkdirSync(join(dir, date), { recursive: true })
    writeFileSync(join(dir, date, 'rates.csv'), RATES + c.rates)
    writeFileSync(join(dir, date, 'volume-tiers.csv'), TIERS + (c.tiers ?? ''))
    writeFileSync(join(dir, date, 'countries.csv'), COUNTRIES + (c.countries ?? ''))
  }
}

function refuses (dir: string, file: RegExp, line: number, message: RegExp): void {
  assert.throws(() => loadRateCards(dir), (err: unknown) => {
    assert.ok(err instanceof RateCardError, String(err))
    assert.match(err.file, file)
    assert.equal(err.line, line)
    assert.match(err.message, message)
    return true
  })
}

test('rates are exact millionths', () => {
  assert.equal(parseRate('0.0147'), 14_700)
  assert.equal(parseRate('1'), 1_000_000)
  assert.equal(parseRate('0.000001'), 1)
  assert.equal(parseRate('0.0000001'), undefined)
  assert.equal(parseRate('-1'), undefined)
  assert.equal(parseRate('1,5'), undefined)
})

test('the example card loads', () => {
  const set = loadRateCards(EXAMPLE_RATE_CARD_DIR)
  assert.equal(set.currency, 'USD')
  const card = set.cards[0]!
  assert.equal(card.effectiveFrom, '2026-10-01')
  assert.equal(card.markets.get('India')!.authenticationInternational, 28_000)
  assert.equal(card.markets.get('Brazil')!.authenticationInternational, undefined)
  assert.deepStrictEqual(card.markets.get('India')!.tiers.utility.map((b) => [b.from, b.to, b.micros]), [[1, 250_000, 1400], [250_001, 2_000_000, 1330], [2_000_001, undefined, 1260]])
  assert.equal(card.countries.get('PR'), 'Rest of Latin America')
})

test('several cards: the one effective at a time applies', (t) => {
  const dir = cardDir(t, {
    '2026-07-01': { rates: 'Other,EUR,0.05,0.01,0.01,,0\n' },
    '2026-10-01': { rates: 'Other,EUR,0.06,0.02,0.02,,0.02\n' }
  })
  const set = loadRateCards(dir)
  assert.equal(set.currency, 'EUR')
  assert.equal(cardAt(set, Date.UTC(2026, 8, 30, 23, 59)).effectiveFrom, '2026-07-01')
  assert.equal(cardAt(set, Date.UTC(2026, 9, 1)).effectiveFrom, '2026-10-01')
  assert.equal(cardAt(set, Date.UTC(2025, 0, 1)).effectiveFrom, '2026-07-01')
})

test('a bad row refuses the file with its name and line number', (t) => {
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\nIndia,USD,0.01,cheap,0.01,,0\n' } }), /2026-10-01\/rates\.csv$/, 3, /Utility: 'cheap' is not a rate/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\nIndia,EUR,0.01,0.01,0.01,,0\n' } }), /rates\.csv$/, 3, /one currency per card/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'India,USD,0.01,0.01,0.01,,0\n' } }), /rates\.csv$/, 0, /no 'Other' market/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n', tiers: 'Other,USD,Utility,1,10,0.01\nOther,USD,Utility,12,,0.009\n' } }), /volume-tiers\.csv$/, 3, /contiguous/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n', tiers: 'Other,USD,Utility,1,10,0.01\n' } }), /volume-tiers\.csv$/, 2, /must have no upper end/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n', tiers: 'Other,USD,Marketing,1,,0.01\n' } }), /volume-tiers\.csv$/, 2, /Category: 'Marketing'/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n', countries: 'IN,India\n' } }), /countries\.csv$/, 2, /Market: 'India' is not in/)
  refuses(cardDir(t, { '2026-10-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n', countries: 'India,Other\n' } }), /countries\.csv$/, 2, /not an ISO 3166-1 alpha-2/)
  refuses(cardDir(t, { '2026-7-1': { rates: 'Other,USD,0.05,0.01,0.01,,0\n' } }), /2026-7-1$/, 0, /named by its effective date/)
  refuses(cardDir(t, { '2026-07-01': { rates: 'Other,USD,0.05,0.01,0.01,,0\n' }, '2026-10-01': { rates: 'Other,EUR,0.05,0.01,0.01,,0\n' } }), /2026-10-01\/rates\.csv$/, 0, /one currency per directory/)
})

test('reload keeps the card in use when the new files are bad, and takes good ones', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rate-card-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(EXAMPLE_RATE_CARD_DIR, dir, { recursive: true })
  const store = createRateCardStore(dir)
  const before = store.current()
  writeFileSync(join(dir, '2026-10-01', 'rates.csv'), RATES + 'Other,USD,0.05,0.01,0.01,,0\nIndia,USD,x,0.01,0.01,,0\n')
  const bad = store.reload()
  assert.equal(bad.ok, false)
  assert.match(bad.ok ? '' : bad.error.message, /rates\.csv:3: Marketing: 'x'/)
  assert.equal(store.current(), before)
  writeFileSync(join(dir, '2026-10-01', 'rates.csv'), RATES + 'Other,USD,0.05,0.01,0.01,,0\nIndia,USD,0.02,0.01,0.01,,0\n')
  writeFileSync(join(dir, '2026-10-01', 'volume-tiers.csv'), TIERS)
  writeFileSync(join(dir, '2026-10-01', 'countries.csv'), COUNTRIES + 'IN,India\n')
  const good = store.reload()
  assert.equal(good.ok, true, good.ok ? '' : good.error.message)
  assert.equal(store.current().cards[0]!.markets.get('India')!.marketing, 20_000)
  assert.throws(() => createRateCardStore(join(dir, 'missing')), RateCardError)
})
