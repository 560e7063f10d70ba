import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { manualClock, post, startReceiver, startSim, textBody } from './helpers.ts'

// India utility: 0.01 for the 1st-3rd charged message of a month, 0.005 after; marketing elsewhere ("Other") 0.06.
function cardDir (t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-card-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, '2026-10-01'))
  writeFileSync(join(dir, '2026-10-01', 'rates.csv'), 'Market,Currency,Marketing,Utility,Authentication,Authentication-International,Service\n' +
    'India,USD,0.05,0.01,0.02,,0.01\nOther,USD,0.06,0.007,0.007,,0.007\n')
  writeFileSync(join(dir, '2026-10-01', 'volume-tiers.csv'), 'Market,Currency,Category,Volume from,Volume to,Rate\nIndia,USD,Utility,1,3,0.01\nIndia,USD,Utility,4,,0.005\n')
  writeFileSync(join(dir, '2026-10-01', 'countries.csv'), 'Country,Market\nIN,India\n')
  return dir
}

const template = (to: string, name: string) => ({ messaging_product: 'whatsapp', to, type: 'template', template: { name, language: { code: 'en_US' } } })

test('pricing_analytics of a WABA: volumes and costs of its priced messages, tiers counted over the portfolio', async (t) => {
  const clock = manualClock(Date.UTC(2026, 9, 5, 10))
  const receiver = await startReceiver(t)
  const sim = await startSim(t, {
    now: clock.now,
    webhookUrl: receiver.url,
    appSecret: 'secret',
    rateCardDir: cardDir(t),
    phoneNumbers: { 1001: { wabaId: '2001', displayPhoneNumber: '15550001001' }, 1002: { wabaId: '2002', displayPhoneNumber: '15550001002' } },
    portfolios: { 2001: '3000', 2002: '3000' },
    templates: [{ name: 'promo', language: 'en_US', category: 'MARKETING', components: [{ type: 'BODY', text: 'Sale' }] }],
    statuses: { readShare: 0, sentAfterMs: 1, deliveredAfterMs: 1 }
  })
  const send = async (pn: string, body: unknown) => assert.equal((await post(`${sim.url}/v24.0/${pn}/messages`, body)).status, 200)
  await send('1001', template('919876543210', 'hello_world'))
  await send('1001', template('919876543211', 'hello_world'))
  await send('1001', textBody('5511987654321'))
  await sleep(50)
  await send('1002', template('919876543212', 'hello_world'))
  await send('1002', template('919876543213', 'hello_world'))
  await send('1002', template('5511987654322', 'promo'))
  const day = Date.UTC(2026, 9, 5) / 1000
  const analytics = async (waba: string, modifiers: string) => {
    const res = await fetch(`${sim.url}/v24.0/${waba}?fields=pricing_analytics.start(${day}).end(${day + 86_400}).granularity(DAILY)${modifiers}`, { headers: { authorization: 'Bearer tok' } })
    return { status: res.status, body: await res.json() as any }
  }
  const dims = '.dimensions(["COUNTRY","PHONE","PRICING_CATEGORY","PRICING_TYPE"])'
  let second: any
  for (let i = 0; i < 200; i++) {
    second = (await analytics('2002', dims)).body
    if (second.pricing_analytics.data[0].data_points.reduce((n: number, p: { volume: number }) => n + p.volume, 0) === 3) break
    await sleep(25)
  }
  const end = day + 86_400
  assert.deepStrictEqual((await analytics('2001', dims)).body, {
    pricing_analytics: {
      data: [{
        data_points: [
          // Service messages are charged from Oct 1, 2026 (the market's service rate of the test card).
          { start: day, end, country: 'BR', phone_number: '15550001001', pricing_type: 'REGULAR', pricing_category: 'SERVICE', volume: 1, cost: 0.007 },
          { start: day, end, country: 'IN', phone_number: '15550001001', pricing_type: 'REGULAR', pricing_category: 'UTILITY', volume: 2, cost: 0.02 }
        ]
      }]
    },
    id: '2001'
  })
  // The second WABA's utility messages are the portfolio's 3rd and 4th of October.
  assert.deepStrictEqual(second.pricing_analytics.data[0].data_points, [
    { start: day, end, country: 'BR', phone_number: '15550001002', pricing_type: 'REGULAR', pricing_category: 'MARKETING', volume: 1, cost: 0.06 },
    { start: day, end, country: 'IN', phone_number: '15550001002', pricing_type: 'REGULAR', pricing_category: 'UTILITY', volume: 2, cost: 0.015 }
  ])
  const tiers = await analytics('2002', '.dimensions(TIER).metric_types(["COST"]).pricing_categories(["UTILITY"])')
  assert.deepStrictEqual(tiers.body.pricing_analytics.data[0].data_points, [{ start: day, end, tier: '1:3', cost: 0.01 }, { start: day, end, tier: '4:MAX', cost: 0.005 }])
  const bad = await analytics('2002', '.dimensions(["WABA"])')
  assert.equal(bad.status, 400)
  assert.equal(bad.body.error.code, 100)
})
