import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { RateCardError } from '@wabridge/pricing'
import { createLogger } from '@wabridge/telemetry'
import type { QueryView } from '../../src/api/query-view.ts'
import { buildServer } from '../../src/api/server.ts'
import { applyChangelog, createViewIndex } from '../../src/changelog/view-index.ts'
import { createUsagePricing, type UsagePricing } from '../../src/pricing/usage-pricing.ts'

const PN1 = '106540352242922'
const PN2 = '106540352242923'
const OCT1 = Date.UTC(2026, 9, 1) / 1000
const OCT2 = OCT1 + 86_400
const H10 = OCT2 + 10 * 3600

// India utility: 0.01 for the 1st-10th charged message of a month, 0.008 for the 11th-20th, 0.005 after;
// every other country is "Other" (marketing 0.06).
function smallCardDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'usage-card-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, '2026-10-01'))
  writeFileSync(join(dir, '2026-10-01', 'rates.csv'), 'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n' +
    'India,USD,0.05,0.01,0.02,0.03,0.01\nOther,USD,0.06,0.007,0.007,,0.007\n')
  writeFileSync(join(dir, '2026-10-01', 'volume-tiers.csv'), 'Market,Currency,Category,Volume from,Volume to,Rate\n' +
    'India,USD,Utility,1,10,0.01\nIndia,USD,Utility,11,20,0.008\nIndia,USD,Utility,21,,0.005\n')
  writeFileSync(join(dir, '2026-10-01', 'countries.csv'), 'Country,Market\nIN,India\n')
  return dir
}

function build (t: TestContext, options: { ready?: boolean, pricing?: UsagePricing } = {}) {
  const index = createViewIndex()
  applyChangelog(index, `s/0/c|H|1795514400|billm|${PN1}|marketing_lite|regular:IN`, '4')
  // October: 7 utility messages to India on the 1st; on the 2nd 6 more (10:00) and 2 from the second number (10:30),
  // 5 free service replies to Brazil and 3 marketing messages to the US.
  applyChangelog(index, `s/0/c|D|${OCT1}|billm|${PN1}|utility|regular:IN`, '7')
  applyChangelog(index, `s/0/c|D|${OCT2}|billm|${PN1}|utility|regular:IN`, '6')
  applyChangelog(index, `s/1/c|D|${OCT2}|billm|${PN2}|utility|regular:IN`, '2')
  applyChangelog(index, `s/0/c|D|${OCT2}|billm|${PN1}|service|free_customer_service:BR`, '5')
  applyChangelog(index, `s/1/c|D|${OCT2}|billm|${PN2}|marketing|regular:US`, '3')
  applyChangelog(index, `s/0/c|H|${H10}|billm|${PN1}|utility|regular:IN`, '6')
  applyChangelog(index, `s/1/c|H|${H10 + 1800}|billm|${PN2}|utility|regular:IN`, '2')
  const view: QueryView = {
    totals: () => index.totals,
    numbers: () => new Map([[PN1, { wabaId: '102290129340398', display: '15550783881' }], [PN2, { wabaId: '102290129340399', display: '15550783882' }]]),
    reach: () => ({ byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() }),
    alerts: () => []
  }
  const app = buildServer({
    logger: createLogger({ level: 'silent', name: 'test' }),
    view,
    checks: () => ({ started: { ok: options.ready ?? true } }),
    isStopping: () => false,
    host: '127.0.0.1',
    adminToken: undefined,
    ...(options.pricing ? { pricing: options.pricing } : {})
  })
  t.after(() => app.close())
  return app
}

/** Both numbers' WABAs in one portfolio: their utility messages share the month's tier count. */
const onePortfolio = (t: TestContext) => createUsagePricing({ dir: smallCardDir(t), wabaPortfolios: { 102290129340398: 'P', 102290129340399: 'P' } })

test('GET /v1/usage answers with pricing_analytics-shaped data points', async (t) => {
  const res = await build(t).inject('/v1/usage?start=1795514400&end=1795518000&granularity=HALF_HOUR&waba_id=102290129340398')
  assert.equal(res.statusCode, 200)
  // The example card: India marketing 0.0118 (marketing_lite is priced as marketing).
  assert.deepStrictEqual(res.json().data, [{
    granularity: 'HALF_HOUR',
    currency: 'USD',
    data_points: [{ start: 1795514400, end: 1795516200, country: 'IN', phone_number: '15550783881', phone_number_id: PN1, pricing_type: 'REGULAR', pricing_category: 'MARKETING_LITE', volume: 4, cost: 0.0472 }]
  }])
})

test('costs: the month so far counts toward the tiers, across the numbers of a portfolio', async (t) => {
  const app = build(t, { pricing: onePortfolio(t) })
  const res = await app.inject(`/v1/usage?start=${OCT2}&end=${OCT2 + 86_400}`)
  assert.equal(res.statusCode, 200)
  const end = OCT2 + 86_400
  assert.deepStrictEqual(res.json().data[0].data_points, [
    { start: OCT2, end, country: 'BR', phone_number: '15550783881', phone_number_id: PN1, pricing_type: 'FREE_CUSTOMER_SERVICE', pricing_category: 'SERVICE', volume: 5, cost: 0 },
    // The 8th-13th utility messages of October: 3 × 0.01 + 3 × 0.008.
    { start: OCT2, end, country: 'IN', phone_number: '15550783881', phone_number_id: PN1, pricing_type: 'REGULAR', pricing_category: 'UTILITY', volume: 6, cost: 0.054 },
    // The 14th and 15th: 2 × 0.008.
    { start: OCT2, end, country: 'IN', phone_number: '15550783882', phone_number_id: PN2, pricing_type: 'REGULAR', pricing_category: 'UTILITY', volume: 2, cost: 0.016 },
    { start: OCT2, end, country: 'US', phone_number: '15550783882', phone_number_id: PN2, pricing_type: 'REGULAR', pricing_category: 'MARKETING', volume: 3, cost: 0.18 }
  ])
  // Filters narrow the answer, not the tier count.
  const one = await app.inject(`/v1/usage?start=${OCT2}&end=${end}&phone_numbers=15550783882&pricing_categories=UTILITY&dimensions=PHONE`)
  assert.deepStrictEqual(one.json().data[0].data_points, [{ start: OCT2, end, phone_number: '15550783882', phone_number_id: PN2, volume: 2, cost: 0.016 }])
  const tiers = await app.inject(`/v1/usage?start=${OCT2}&end=${end}&dimensions=TIER,PRICING_CATEGORY&country_codes=IN&metric_types=COST,VOLUME`)
  assert.deepStrictEqual(tiers.json().data[0].data_points, [
    { start: OCT2, end, tier: '1:10', pricing_category: 'UTILITY', volume: 3, cost: 0.03 },
    { start: OCT2, end, tier: '11:20', pricing_category: 'UTILITY', volume: 5, cost: 0.04 }
  ])
  const volumes = await app.inject(`/v1/usage?start=${OCT2}&end=${end}&dimensions=PRICING_TYPE&metric_types=VOLUME`)
  assert.deepStrictEqual(volumes.json().data[0].data_points, [
    { start: OCT2, end, pricing_type: 'FREE_CUSTOMER_SERVICE', volume: 5 },
    { start: OCT2, end, pricing_type: 'REGULAR', volume: 11 }
  ])
  // Half hours: the days before and the half hours before the first one count.
  const halves = await app.inject(`/v1/usage?start=${H10}&end=${H10 + 3600}&granularity=HALF_HOUR&dimensions=PHONE&metric_types=COST`)
  assert.deepStrictEqual(halves.json().data[0].data_points.map((p: { phone_number_id: string, cost: number }) => [p.phone_number_id, p.cost]), [[PN1, 0.054], [PN2, 0.016]])
})

test('without a shared portfolio each WABA counts its own tiers', async (t) => {
  const app = build(t, { pricing: createUsagePricing({ dir: smallCardDir(t) }) })
  const res = await app.inject(`/v1/usage?start=${OCT2}&end=${OCT2 + 86_400}&phone_number_id=${PN2}&pricing_categories=UTILITY`)
  assert.equal(res.json().data[0].data_points[0].cost, 0.02)
})

test('a rate card directory with a bad row is refused at start with its file and line', (t) => {
  const dir = smallCardDir(t)
  writeFileSync(join(dir, '2026-10-01', 'volume-tiers.csv'), 'Market,Currency,Category,Volume from,Volume to,Rate\nIndia,USD,Utility,1,10,0.01\nIndia,USD,Utility,11,,ten\n')
  assert.throws(() => createUsagePricing({ dir }), (err: unknown) => err instanceof RateCardError && err.line === 3 && /volume-tiers\.csv:3: Rate: 'ten'/.test(err.message))
})

test('bad query parameters get a 400 naming the parameter', async (t) => {
  const app = build(t)
  const res = await app.inject('/v1/usage?start=1795514400&end=1795518000&granularity=WEEKLY')
  assert.equal(res.statusCode, 400)
  assert.deepStrictEqual(res.json(), { error: { code: 'METRICS_BAD_QUERY', message: 'granularity: must be one of HALF_HOUR, DAILY, MONTHLY', parameter: 'granularity' } })
  const missing = await app.inject('/v1/usage?end=1795518000')
  assert.equal(missing.statusCode, 400)
  assert.equal(missing.json().error.parameter, 'start')
  const dims = await app.inject('/v1/usage?start=1795514400&end=1795518000&dimensions=WABA')
  assert.equal(dims.statusCode, 400)
  assert.equal(dims.json().error.parameter, 'dimensions')
  const alerts = await app.inject('/v1/alerts?state=firing')
  assert.equal(alerts.statusCode, 400)
  assert.equal(alerts.json().error.parameter, 'state')
})

test('/healthz always answers; /readyz is 503 until ready', async (t) => {
  const app = build(t, { ready: false })
  assert.equal((await app.inject('/healthz')).statusCode, 200)
  assert.equal((await app.inject('/readyz')).statusCode, 503)
  assert.deepStrictEqual((await build(t, { ready: false }).inject('/readyz')).json(), { status: 'not_ready', service: 'metrics', checks: { started: { ok: false } } })
  assert.deepStrictEqual((await build(t, { ready: true }).inject('/readyz')).json(), { status: 'ready', service: 'metrics', checks: { started: { ok: true } } })
})
