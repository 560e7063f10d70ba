import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { createGraphApiSim, type GraphApiSim } from '@wabridge/graph-api-sim'
import { createIngress, loadConfig as loadIngressConfig } from '@wabridge/ingress'
import { EXAMPLE_RATE_CARD_DIR } from '@wabridge/pricing'
import { createLogger } from '@wabridge/telemetry'
import { getJson, startApp, testEnv, waitFor } from './helpers.ts'

// A day of simulated traffic through the real path: the simulator's status webhooks → ingress (in
// process, signed webhooks) → wa.inbound.statuses → the metrics app (in process) → GET /v1/usage,
// compared with the simulator's pricing_analytics for the same day, and `wabridge usage reconcile`.

const CLI = fileURLToPath(new URL('../../../packages/cli/bin/wabridge.js', import.meta.url))
const APP_SECRET = 'day-test-app-secret'
const DAY = Date.UTC(2026, 10, 20) / 1000
const W1 = '5001'
const W2 = '5002'
const PORTFOLIO = '5900'
const A = '4001'
const B = '4002'
const C = '4003'
const DIMS = 'COUNTRY,PHONE,PRICING_CATEGORY,PRICING_TYPE'

/** The example card with a first India utility tier of 5 messages (only here), so that a day crosses it. */
function testCard (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'pricing-day-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  cpSync(EXAMPLE_RATE_CARD_DIR, dir, { recursive: true })
  const tiers = join(dir, '2026-10-01', 'volume-tiers.csv')
  writeFileSync(tiers, readFileSync(tiers, 'utf8')
    .replace('India,USD,Utility,1,250000,0.0014\nIndia,USD,Utility,250001,2000000,0.00133', 'India,USD,Utility,1,5,0.0014\nIndia,USD,Utility,6,2000000,0.00133'))
  return dir
}

/** Runs the real CLI; resolves with its exit code and output. */
function cli (args: string[], env: Record<string, string>): Promise<{ code: number | null, out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (c: Buffer) => { out += c.toString() })
    child.stderr.on('data', (c: Buffer) => { out += c.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out }))
  })
}

type Point = Record<string, unknown> & { start: number, volume?: number, cost?: number }
const sorted = (points: Point[]) => points.map(({ phone_number_id: _, ...p }) => p).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))

test('a day of simulated traffic: the usage API gives the volumes and costs of the simulator\'s pricing_analytics; reconcile finds no difference, then the one a changed rate makes', { timeout: 120_000 }, async (t) => {
  const simCard = testCard(t)
  const gatewayCard = testCard(t)
  const env = testEnv({ METRICS_RATE_CARD_DIR: gatewayCard, WA_WABA_PORTFOLIOS: `${W1}=${PORTFOLIO},${W2}=${PORTFOLIO}` })
  const logger = createLogger({ level: 'silent', name: 'pricing-day' })

  const ingressConfig = loadIngressConfig({
    KAFKA_BROKERS: env.KAFKA_BROKERS!, TOPIC_PREFIX: env.TOPIC_PREFIX!, KAFKA_TOPIC_PARTITIONS: '3', INGRESS_PORT: '0', WA_APP_SECRETS: APP_SECRET, WA_VERIFY_TOKEN: 'verify', LOG_LEVEL: 'silent'
  })
  const ingress = createIngress(ingressConfig, { logger })
  t.after(() => ingress.stop())
  await ingress.start()

  let clock = DAY * 1000
  const sim: GraphApiSim = createGraphApiSim({
    host: '127.0.0.1',
    port: 0,
    now: () => clock,
    webhookUrl: `${ingress.url!}/webhook`,
    appSecret: APP_SECRET,
    rateCardDir: simCard,
    phoneNumbers: {
      [A]: { wabaId: W1, displayPhoneNumber: '15550004001' },
      [B]: { wabaId: W1, displayPhoneNumber: '15550004002' },
      [C]: { wabaId: W2, displayPhoneNumber: '15550004003' }
    },
    portfolios: { [W1]: PORTFOLIO, [W2]: PORTFOLIO },
    statuses: { sentAfterMs: 1, deliveredAfterMs: 1, readShare: 0.5, skipDeliveredShare: 0.5 },
    templates: [
      { name: 'order_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your order shipped.' }] },
      { name: 'spring_sale', language: 'en_US', category: 'MARKETING', components: [{ type: 'BODY', text: 'Spring sale!' }] },
      { name: 'login_code', language: 'en_US', category: 'AUTHENTICATION', components: [{ type: 'BODY', text: 'Your code is ready.' }] }
    ]
  })
  t.after(() => sim.stop())
  await sim.start()
  const app = await startApp(t, env)

  // The day: [time of day, number, recipient, template or text], recipients in India, Brazil, the
  // Dominican Republic (+1 809: Rest of Latin America), Germany and the US. India utility: 4 from A,
  // 2 from B (W1) and 2 from C (W2), one portfolio: the 5th of the month is the last of the first tier.
  const traffic: Array<[string, string, string, string]> = [
    ['02:00', A, '919800000001', 'order_update'], ['02:00', A, '919800000002', 'order_update'], ['02:00', A, '919800000003', 'order_update'],
    ['02:00', A, '5511900000001', 'spring_sale'], ['02:00', A, '919800000004', 'text'], ['02:00', B, '919800000005', 'login_code'],
    ['09:30', B, '919800000006', 'order_update'], ['09:30', B, '919800000007', 'order_update'],
    ['09:30', C, '919800000008', 'order_update'], ['09:30', C, '919800000009', 'order_update'],
    ['15:00', A, '18095550001', 'order_update'], ['15:00', B, '4915100000001', 'spring_sale'], ['15:00', C, '5511900000002', 'text'],
    ['15:00', A, '919800000010', 'order_update'],
    ['23:10', C, '919800000011', 'spring_sale'], ['23:10', B, '16505550001', 'order_update'], ['23:10', A, '5511900000003', 'login_code']
  ]
  const analytics = async (waba: string, modifiers = `.dimensions(${JSON.stringify(DIMS.split(','))})`, granularity = 'DAILY') => {
    const res = await fetch(`${sim.url}/v24.0/${waba}?fields=pricing_analytics.start(${DAY}).end(${DAY + 86_400}).granularity(${granularity})${modifiers}`, { headers: { authorization: 'Bearer tok' } })
    assert.equal(res.status, 200)
    return ((await res.json()) as { pricing_analytics: { data: Array<{ data_points: Point[] }> } }).pricing_analytics.data[0]!.data_points
  }
  const simVolume = async () => [...await analytics(W1), ...await analytics(W2)].reduce((n, p) => n + (p.volume ?? 0), 0)
  let sent = 0
  for (const slot of [...new Set(traffic.map(([at]) => at))]) {
    const [h, m] = slot.split(':').map(Number) as [number, number]
    clock = (DAY + h * 3600 + m * 60) * 1000
    for (const [at, from, to, what] of traffic) {
      if (at !== slot) continue
      const body = what === 'text'
        ? { messaging_product: 'whatsapp', to, type: 'text', text: { body: 'thanks' } }
        : { messaging_product: 'whatsapp', to, type: 'template', template: { name: what, language: { code: 'en_US' } } }
      const res = await fetch(`${sim.url}/v24.0/${from}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer tok' }, body: JSON.stringify(body) })
      assert.equal(res.status, 200, `${slot} ${from} → ${to}`)
      sent++
    }
    // Every status of the slot carries its time: wait until the sim priced them before moving the clock.
    await waitFor(async () => await simVolume() === sent, 30_000, `the sim's statuses of ${slot}`)
  }

  const usage = async (waba: string, extra = `&dimensions=${DIMS}`, granularity = 'DAILY') => {
    const { status, body } = await getJson(`${app.url!}/v1/usage?waba_id=${waba}&start=${DAY}&end=${DAY + 86_400}&granularity=${granularity}${extra}`)
    assert.equal(status, 200)
    return (body as { data: Array<{ data_points: Point[] }> }).data[0]!.data_points
  }
  const gatewayVolume = async () => [...await usage(W1), ...await usage(W2)].reduce((n, p) => n + (p.volume ?? 0), 0)
  await waitFor(async () => await gatewayVolume() === traffic.length, 60_000, 'the gateway to count every priced message')

  for (const waba of [W1, W2]) {
    assert.deepStrictEqual(sorted(await usage(waba)), sorted(await analytics(waba)), `WABA ${waba}: volumes and costs by country, phone, category, type`)
    assert.deepStrictEqual(sorted(await usage(waba, '&dimensions=TIER,PRICING_CATEGORY,COUNTRY')), sorted(await analytics(waba, '.dimensions(["TIER","PRICING_CATEGORY","COUNTRY"])')), `WABA ${waba}: by tier`)
    for (const granularity of ['HALF_HOUR', 'MONTHLY']) {
      const dims = '.dimensions(["TIER","PHONE","PRICING_CATEGORY","PRICING_TYPE","COUNTRY"])'
      assert.deepStrictEqual(sorted(await usage(waba, `&dimensions=TIER,${DIMS}`, granularity)), sorted(await analytics(waba, dims, granularity)), `WABA ${waba}: ${granularity}`)
    }
  }
  // Four half hours with traffic; one month.
  assert.equal(new Set([...await usage(W1, '&dimensions=PHONE', 'HALF_HOUR'), ...await usage(W2, '&dimensions=PHONE', 'HALF_HOUR')].map((p) => p.start)).size, 4)
  // Hand-computed figures of the test card (USD): India utility 0.0014 for the 1st-5th of the month, 0.00133 after.
  const cost = (points: Point[], where: Record<string, string>) => points.filter((p) => Object.entries(where).every(([k, v]) => p[k] === v))
    .reduce((sum, p) => Math.round((sum + (p.cost ?? 0)) * 1e6) / 1e6, 0)
  const w1 = await usage(W1)
  const w2 = await usage(W2)
  assert.equal(cost(w1, { phone_number: '15550004001', country: 'IN', pricing_category: 'UTILITY' }), 0.0056) // 4 × 0.0014
  assert.equal(cost(w1, { phone_number: '15550004002', country: 'IN', pricing_category: 'UTILITY' }), 0.00273) // 0.0014 + 0.00133
  assert.equal(cost(w2, { country: 'IN', pricing_category: 'UTILITY' }), 0.00266) // 2 × 0.00133
  assert.equal(cost(w1, { country: 'DO', pricing_category: 'UTILITY' }), 0.0113) // Rest of Latin America
  assert.equal(cost(w1, { country: 'US', pricing_category: 'UTILITY' }), 0.0034) // North America
  assert.equal(cost(w1, { country: 'BR', pricing_category: 'MARKETING' }), 0.0625)
  assert.equal(cost(w1, { country: 'DE', pricing_category: 'MARKETING' }), 0.1365)
  assert.equal(cost(w2, { country: 'IN', pricing_category: 'MARKETING' }), 0.0118)
  assert.equal(cost(w1, { pricing_category: 'AUTHENTICATION' }), 0.0082) // India 0.0014 + Brazil 0.0068
  // Service messages are charged from Oct 1, 2026, at the market's flat service rate (no volume tiers).
  assert.deepStrictEqual([...w1, ...w2].filter((p) => p.pricing_type === 'FREE_CUSTOMER_SERVICE'), [])
  assert.deepStrictEqual(w1.filter((p) => p.pricing_category === 'SERVICE').map((p) => [p.country, p.pricing_type, p.volume, p.cost]), [['IN', 'REGULAR', 1, 0.0014]])
  assert.deepStrictEqual(w2.filter((p) => p.pricing_category === 'SERVICE').map((p) => [p.country, p.pricing_type, p.volume, p.cost]), [['BR', 'REGULAR', 1, 0.0068]])

  const cliEnv = { GRAPH_API_BASE_URL: sim.url, GRAPH_API_VERSION: 'v24.0', WA_ACCESS_TOKEN: 'tok', METRICS_URL: app.url! }
  const reconcile = (waba: string) => cli(['usage', 'reconcile', '--waba', waba, '--start', String(DAY), '--end', String(DAY + 86_400)], cliEnv)
  for (const waba of [W1, W2]) {
    const agree = await reconcile(waba)
    assert.equal(agree.code, 0, agree.out)
    assert.match(agree.out, /no difference/)
  }

  // Ops put a new Brazil marketing rate on the gateway's card only: reconcile must see the difference.
  const rates = join(gatewayCard, '2026-10-01', 'rates.csv')
  writeFileSync(rates, readFileSync(rates, 'utf8').replace('Brazil,USD,0.0625,', 'Brazil,USD,0.07,'))
  await waitFor(async () => cost(await usage(W1), { country: 'BR', pricing_category: 'MARKETING' }) === 0.07, 30_000, 'the gateway to reload its rate card')
  const differs = await reconcile(W1)
  assert.equal(differs.code, 1, differs.out)
  assert.match(differs.out, /1 difference/)
  assert.match(differs.out, /15550004001\s+MARKETING\s+REGULAR\s+BR\s+1\s+1\s+0\.0625\s+0\.07/)
  assert.equal((await reconcile(W2)).code, 0)
})
