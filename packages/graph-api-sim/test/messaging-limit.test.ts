import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DAY_MS } from '../src/messaging-limits.ts'
import { manualClock, post, startReceiver, startSim, type ReceivedWebhook } from './helpers.ts'

const SECRET = 'sim-app-secret'
const FAST = { sentAfterMs: 5, deliveredAfterMs: 5, readAfterMs: 5, readShare: 0 }
// Two numbers of two WABAs of one portfolio, and a number of another WABA with its own portfolio.
const PN1 = '106540352242922'
const PN2 = '106540352242923'
const PN3 = '106540352242924'
const PHONES = { [PN1]: { wabaId: 'W1' }, [PN2]: { wabaId: 'W2' }, [PN3]: { wabaId: 'W3' } }

type Status = { id: string, status: string, errors?: Array<{ code: number, title: string }> }
type Change = { waba: string, field: string, value: Record<string, unknown> }

const changes = (received: ReceivedWebhook[]): Change[] => received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.map((c) => ({ waba: e.id, field: c.field, value: c.value }))))
const statuses = (received: ReceivedWebhook[]): Status[] => changes(received).flatMap((c) => (c.value.statuses as Status[] | undefined) ?? [])

/** The final status of each wamid: failed (with its code) or the last of sent/delivered. */
function outcomes (received: ReceivedWebhook[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const s of statuses(received)) if (s.status === 'failed' || out.get(s.id) === undefined || out.get(s.id) === 'sent') out.set(s.id, s.status === 'failed' ? `failed ${s.errors?.[0]?.code}` : s.status)
  return out
}

const template = (to: string, name = 'appointment_reminder') => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name, language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: 'May 4' }, { type: 'text', text: '10:30' }] }] }
})

test('beyond the portfolio limit a template to a new user is accepted, then fails with 131048; repeats, windows and the next day pass', async (t) => {
  const clock = manualClock()
  const receiver = await startReceiver(t)
  const sim = await startSim(t, {
    now: clock.now,
    webhookUrl: receiver.url,
    appSecret: SECRET,
    statuses: FAST,
    webhook: { batchMs: 5 },
    phoneNumbers: PHONES,
    portfolios: { W1: 'P1', W2: 'P1' },
    messagingTiers: { P1: 'TIER_50' },
    pairRate: false
  })
  const send = async (pnid: string, to: string) => {
    const r = await post(`${sim.url}/v23.0/${pnid}/messages`, template(to))
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.messages[0].id as string
  }
  // 50 users across the two numbers of the portfolio fill it.
  const first: string[] = []
  for (let i = 0; i < 50; i++) first.push(await send(i % 2 === 0 ? PN1 : PN2, `+1555100${String(i).padStart(4, '0')}`))
  const over = await send(PN2, '+15552000001')
  clock.advance(1000)
  const repeat = await send(PN1, '+15551000000')
  const otherPortfolio = await send(PN3, '+15552000001')
  // A user who wrote to PN1 has an open window there: not business-initiated, not counted.
  sim.receiveMessage(PN1, '15553000001')
  const inWindow = await send(PN1, '+15553000001')
  const refused = await post(`${sim.url}/v23.0/${PN2}/messages`, template('+15553000001'))
  assert.equal(refused.status, 200, 'the window is per number: through PN2 the user is new, accepted …')
  assert.equal(await sim.webhooksIdle(5000), true)
  const o = outcomes(receiver.received)
  assert.ok(first.every((w) => o.get(w) === 'delivered'))
  assert.equal(o.get(over), 'failed 131048')
  assert.equal(o.get(repeat), 'delivered')
  assert.equal(o.get(otherPortfolio), 'delivered')
  assert.equal(o.get(inWindow), 'delivered')
  assert.equal(o.get(refused.body.messages[0].id), 'failed 131048', '… and failed')
  const failed = statuses(receiver.received).find((s) => s.id === over)
  assert.match(failed?.errors?.[0]?.title ?? '', /Spam rate limit hit/)
  assert.deepEqual(sim.accepted({ to: '+15552000001' }).map((m) => m.failedWith), [131048, undefined])
  const p1 = sim.portfolio({ phoneNumberId: PN1 })
  assert.deepEqual([p1.id, p1.tier, p1.limit, p1.reached, p1.overLimit, p1.wabaIds], ['P1', 'TIER_50', 50, 50, 2, ['W1', 'W2']])

  // A day after the first sends their users leave the window; the refreshed one stays.
  clock.advance(DAY_MS - 1)
  assert.equal(sim.portfolio({ portfolioId: 'P1' }).reached, 1)
  const nextDay = await send(PN2, '+15552000001')
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.equal(outcomes(receiver.received).get(nextDay), 'delivered')
  const page = await (await fetch(`${sim.url}/_sim/portfolios`)).json() as { portfolios: Array<{ id: string, reached: number }> }
  assert.deepEqual(page.portfolios.map((p) => [p.id, p.reached]), [['P1', 2], ['W3-business', 1]])
})

test('free-form messages are not counted; with messagingLimitMode refuse the send is answered 131048 and not recorded', async (t) => {
  const sim = await startSim(t, { phoneNumbers: PHONES, messagingTiers: { 'W1-business': 'TIER_50' }, messagingLimitMode: 'refuse', pairRate: false })
  for (let i = 0; i < 50; i++) assert.equal((await post(`${sim.url}/v23.0/${PN1}/messages`, template(`+1555100${String(i).padStart(4, '0')}`))).status, 200)
  const text = await post(`${sim.url}/v23.0/${PN1}/messages`, { messaging_product: 'whatsapp', to: '+15559000001', type: 'text', text: { body: 'hi' } })
  assert.equal(text.status, 200)
  const r = await post(`${sim.url}/v23.0/${PN1}/messages`, template('+15559000002'))
  assert.equal(r.body.error.code, 131048)
  assert.equal(sim.accepted().length, 51)
  assert.deepEqual(sim.stats().refusedByCode, { 131048: 1 })
  assert.equal(sim.portfolio({ wabaId: 'W1' }).overLimit, 1)
  sim.reset()
  assert.equal(sim.portfolio({ wabaId: 'W1' }).reached, 0, 'reset forgets who was reached')
  assert.equal(sim.portfolio({ wabaId: 'W1' }).tier, 'TIER_50', 'and keeps the tier')
})

test('the tier is read on the phone number, the WABA and the portfolio; setting it sends business_capability_update to each WABA', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, {
    webhookUrl: receiver.url,
    appSecret: SECRET,
    webhook: { batchMs: 5 },
    phoneNumbers: { ...PHONES, [PN1]: { wabaId: 'W1', token: 'tk1' } },
    portfolios: { W1: 'P1', W2: 'P1' },
    adminToken: 'admin'
  })
  const get = async (id: string, token = 'tk1') => {
    const res = await fetch(`${sim.url}/v23.0/${id}?fields=whatsapp_business_manager_messaging_limit`, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }
  assert.deepEqual((await get(PN1)).body, { id: PN1, whatsapp_business_manager_messaging_limit: 'TIER_UNLIMITED' })
  const admin = { 'content-type': 'application/json', authorization: 'Bearer admin' }
  const put = (body: unknown, headers: Record<string, string> = admin) => fetch(`${sim.url}/_sim/portfolios/P1/messaging-limit`, { method: 'PUT', headers, body: JSON.stringify(body) })
  assert.equal((await put({ tier: 'TIER_2K' }, { 'content-type': 'application/json' })).status, 401, 'behind SIM_ADMIN_TOKEN')
  assert.equal((await put({ tier: 'TIER_3K' })).status, 400)
  const set = await put({ tier: 'TIER_250' })
  assert.equal(set.status, 200)
  assert.deepEqual(await set.json(), { id: 'P1', tier: 'TIER_250', limit: 250, wabaIds: ['W1', 'W2'], reached: 0, overLimit: 0 })
  assert.deepEqual((await get(PN1)).body, { id: PN1, whatsapp_business_manager_messaging_limit: 'TIER_250' })
  assert.deepEqual((await get(PN2)).body, { id: PN2, whatsapp_business_manager_messaging_limit: 'TIER_250' })
  assert.deepEqual((await get(PN3)).body, { id: PN3, whatsapp_business_manager_messaging_limit: 'TIER_UNLIMITED' })
  assert.deepEqual((await get('W1')).body, { id: 'W1', whatsapp_business_manager_messaging_limit: 'TIER_250' })
  assert.equal((await get('W1', 'other')).body.error !== undefined, true, 'a WABA with a configured token wants it')
  assert.deepEqual((await get('P1', 'tk1')).body, { id: 'P1', whatsapp_business_manager_messaging_limit: 'TIER_250' })
  assert.equal((await (await fetch(`${sim.url}/v23.0/W2`, { headers: { authorization: 'Bearer x' } })).json() as { name: string }).name, 'Sim WABA W2')
  assert.equal((await put({ tier: 'TIER_UNLIMITED', webhookForm: 'number' })).status, 200)
  assert.equal(await sim.webhooksIdle(5000), true)
  const updates = changes(receiver.received).filter((c) => c.field === 'business_capability_update')
  // The simulator delivers webhooks several at a time, as Meta does, with no order promised: on a busy
  // machine W1's second update arrived before W2's first. Each WABA gets both updates.
  const of = (waba: string) => updates.filter((c) => c.waba === waba).map((c) => c.value).sort((a, b) => String(a.max_daily_conversations_per_business).localeCompare(String(b.max_daily_conversations_per_business)))
  const tier250 = { max_daily_conversations_per_business: 'TIER_250', max_daily_conversation_per_phone: 250, max_phone_numbers_per_business: 2 }
  const unlimited = { max_daily_conversations_per_business: 'UNLIMITED', max_daily_conversation_per_phone: -1, max_phone_numbers_per_waba: 25 }
  assert.equal(updates.length, 4)
  assert.deepEqual(of('W1'), [tier250, unlimited])
  assert.deepEqual(of('W2'), [tier250, unlimited])
  assert.ok(receiver.received.every((w) => w.json.entry.every((e) => typeof (e as { time?: unknown }).time === 'number')), 'WABA-level changes carry entry[].time')
  // A WABA moved into another portfolio takes that portfolio's tier.
  const moved = await fetch(`${sim.url}/_sim/wabas/W3`, { method: 'PUT', headers: admin, body: JSON.stringify({ portfolioId: 'P1' }) })
  assert.deepEqual((await moved.json() as { wabaIds: string[] }).wabaIds, ['W1', 'W2', 'W3'])
})
