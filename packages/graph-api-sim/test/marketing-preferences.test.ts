import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isUsNumber } from '../src/marketing-preferences.ts'
import { post, startReceiver, startSim, type ReceivedWebhook } from './helpers.ts'

const SECRET = 'sim-app-secret'
const PNID = '106540352242922'
const WABA = 'W1'
const FAST = { sentAfterMs: 5, deliveredAfterMs: 5, readAfterMs: 5, readShare: 0 }

type Change = { field: string, value: Record<string, unknown> }
const changes = (received: ReceivedWebhook[]): Change[] => received.flatMap((w) => w.json.entry.flatMap((e) => e.changes))

function finalStatus (received: ReceivedWebhook[], wamid: string): string | undefined {
  const list = changes(received).flatMap((c) => (c.value.statuses as Array<{ id: string, status: string, errors?: Array<{ code: number }> }> | undefined) ?? []).filter((s) => s.id === wamid)
  const failed = list.find((s) => s.status === 'failed')
  return failed ? `failed ${failed.errors?.[0]?.code}` : list.some((s) => s.status === 'delivered') ? 'delivered' : list.map((s) => s.status).join()
}

const promo = (to: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: {
    name: 'seasonal_promotion',
    language: { code: 'en_US' },
    components: [{ type: 'header', parameters: [{ type: 'text', text: 'Summer Sale' }] }, { type: 'body', parameters: [{ type: 'text', text: 'August' }, { type: 'text', text: 'S25' }, { type: 'text', text: '25%' }] }]
  }
})
const utility = (to: string) => ({ messaging_product: 'whatsapp', to, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })

async function startWithReceiver (t: Parameters<typeof startSim>[0], options: Parameters<typeof startSim>[1] = {}) {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, statuses: FAST, webhook: { batchMs: 5 }, phoneNumbers: { [PNID]: { wabaId: WABA, displayPhoneNumber: '15550001111' } }, pairRate: false, ...options })
  const send = async (body: unknown): Promise<string> => {
    const r = await post(`${sim.url}/v23.0/${PNID}/messages`, body)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return r.body.messages[0].id as string
  }
  return { sim, receiver, send }
}

test('a user who stopped marketing gets marketing templates accepted, then failed with 131050; utility still arrives; resume lifts it', async (t) => {
  const { sim, receiver, send } = await startWithReceiver(t)
  const stop = await post(`${sim.url}/_sim/user-preferences`, { phoneNumberId: PNID, waId: '+15557000001', value: 'stop' })
  assert.deepEqual(stop.body, { wabaId: WABA, waId: '15557000001', optedOut: true })
  assert.deepEqual((await (await fetch(`${sim.url}/_sim/opt-outs`)).json() as { optOuts: Array<{ waId: string }> }).optOuts.map((o) => o.waId), ['15557000001'])
  const stopped = await send(promo('+15557000001'))
  const util = await send(utility('+15557000001'))
  const other = await send(promo('+15557000002'))
  assert.equal((await post(`${sim.url}/_sim/user-preferences`, { phoneNumberId: PNID, waId: '15557000001', value: 'resume' })).body.optedOut, false)
  const resumed = await send(promo('+15557000001'))
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.equal(finalStatus(receiver.received, stopped), 'failed 131050')
  assert.equal(finalStatus(receiver.received, util), 'delivered')
  assert.equal(finalStatus(receiver.received, other), 'delivered')
  assert.equal(finalStatus(receiver.received, resumed), 'delivered')
  const pricing = (wamid: string) => changes(receiver.received).flatMap((c) => (c.value.statuses as Array<{ id: string, status: string, pricing?: { category: string } }> | undefined) ?? [])
    .find((s) => s.id === wamid && s.status === 'sent')?.pricing?.category
  assert.deepEqual([pricing(util), pricing(other)], ['utility', 'marketing'], 'a catalogued template is priced in its category')
  const prefs = changes(receiver.received).filter((c) => c.field === 'user_preferences')
  // stop and resume may come in separate POSTs, delivered concurrently in either order: compared sorted.
  assert.deepEqual(prefs.map((c) => [(c.value.user_preferences as Array<{ value: string, category: string, wa_id: string }>).map((p) => [p.wa_id, p.category, p.value]), c.value.metadata])
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [
    [[['15557000001', 'marketing_messages', 'resume']], { display_phone_number: '15550001111', phone_number_id: PNID }],
    [[['15557000001', 'marketing_messages', 'stop']], { display_phone_number: '15550001111', phone_number_id: PNID }]
  ])
  assert.equal((await post(`${sim.url}/_sim/user-preferences`, { phoneNumberId: PNID, waId: 'x', value: 'stop' })).status, 400)
})

test('131049: users at the per-user marketing limit (outside a window) and US numbers get marketing failed; Canada, utility and open windows do not', async (t) => {
  const { sim, receiver, send } = await startWithReceiver(t)
  assert.equal((await fetch(`${sim.url}/_sim/marketing-limited/15557000003`, { method: 'PUT' })).status, 200)
  assert.deepEqual(sim.marketingLimited(), ['15557000003'])
  const limited = await send(promo('+15557000003'))
  const us = await send(promo('+16505551234'))
  const usUtility = await send(utility('+16505551234'))
  const canada = await send(promo('+14165551234'))
  sim.receiveMessage(PNID, '15557000003')
  const limitedInWindow = await send(promo('+15557000003'))
  await fetch(`${sim.url}/_sim/marketing-limited/15557000003`, { method: 'DELETE' })
  assert.deepEqual(sim.marketingLimited(), [])
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.equal(finalStatus(receiver.received, limited), 'failed 131049')
  assert.equal(finalStatus(receiver.received, us), 'failed 131049')
  assert.equal(finalStatus(receiver.received, usUtility), 'delivered')
  assert.equal(finalStatus(receiver.received, canada), 'delivered')
  assert.equal(finalStatus(receiver.received, limitedInWindow), 'delivered')
  assert.deepEqual(sim.accepted().map((m) => m.failedWith ?? 0), [131049, 131049, 0, 0, 0])
})

test('US marketing blocking can be switched off; templates the sim does not know are never judged', async (t) => {
  const { sim, receiver, send } = await startWithReceiver(t, { blockUsMarketing: false })
  const us = await send(promo('+16505551234'))
  const unknown = await send({ messaging_product: 'whatsapp', to: '+16505551234', type: 'template', template: { name: 'order_update', language: { code: 'en_US' } } })
  sim.setUserPreference({ phoneNumberId: PNID, waId: '16505551234', value: 'stop' })
  const unknownOptedOut = await send({ messaging_product: 'whatsapp', to: '+16505551234', type: 'template', template: { name: 'order_update', language: { code: 'en_US' } } })
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.deepEqual([us, unknown, unknownOptedOut].map((w) => finalStatus(receiver.received, w)), ['delivered', 'delivered', 'delivered'])
})

test('isUsNumber: +1 with a US area code only', () => {
  assert.equal(isUsNumber('16505551234'), true)
  assert.equal(isUsNumber('+1 212 555 0123'), true)
  assert.equal(isUsNumber('14165551234'), false, 'Toronto')
  assert.equal(isUsNumber('18095551234'), false, 'Dominican Republic')
  assert.equal(isUsNumber('15550001111'), false, '555 is no area code')
  assert.equal(isUsNumber('393331234567'), false)
})
