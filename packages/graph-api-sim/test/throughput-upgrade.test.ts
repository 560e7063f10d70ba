import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGraphApiClient } from '@wabridge/graph-api'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { manualClock, post, startReceiver, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'
const SECRET = 'sim-app-secret'

test('GET /{version}/{phone-number-id}?fields= answers the display number and throughput level (through the Graph API client)', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { displayPhoneNumber: '15550001111', token: 'tk' } } })
  const client = createGraphApiClient({ baseUrl: sim.url })
  t.after(() => client.stop())
  const info = await client.getPhoneNumber(PNID, { token: 'tk' })
  assert.ok(info.ok)
  assert.equal(info.id, PNID)
  assert.equal(info.displayPhoneNumber, '15550001111')
  assert.equal(info.throughputLevel, 'STANDARD')
  const refused = await client.getPhoneNumber(PNID, { token: 'other' })
  assert.ok(!refused.ok)
  assert.equal(refused.error.code, 190)
  const raw = await fetch(`${sim.url}/v23.0/${PNID}?fields=throughput`, { headers: { authorization: 'Bearer tk' } })
  assert.deepEqual(await raw.json(), { id: PNID, throughput: { level: 'STANDARD' } })
})

test('an upgrade answers 131057 for its maintenance period, then HIGH with the new limit, and sends a signed THROUGHPUT_UPGRADE webhook', async (t) => {
  const clock = manualClock()
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { now: clock.now, webhookUrl: receiver.url, appSecret: SECRET, phoneNumbers: { [PNID]: { wabaId: '102290129340398', displayPhoneNumber: '15550001111' } } })
  const r = await fetch(`${sim.url}/_sim/phone-numbers/${PNID}/upgrade`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maintenanceMs: 300 }) })
  assert.equal(r.status, 200)
  assert.equal((await r.json() as { throughputLevel: string }).throughputLevel, 'HIGH')
  const during = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557101'))
  assert.equal(during.body.error.code, 131057)
  clock.advance(300)
  // The level changes, and the webhook goes, on the sim's timer (real time).
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557102'))).status, 200)
  const level = await fetch(`${sim.url}/v23.0/${PNID}?fields=throughput`, { headers: { authorization: 'Bearer x' } })
  assert.deepEqual(await level.json(), { id: PNID, throughput: { level: 'HIGH' } })
  assert.equal(sim.stats().phoneNumbers[PNID]?.mps, 1000)
  const upgrade = receiver.received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.map((c) => ({ w, e, c })))).find(({ c }) => c.field === 'phone_number_quality_update')
  assert.ok(upgrade, 'a phone_number_quality_update webhook')
  assert.deepEqual(verifyWebhookSignature(upgrade.w.raw, upgrade.w.signature, [SECRET]), { ok: true, secretIndex: 0 })
  assert.equal(upgrade.e.id, '102290129340398')
  assert.deepEqual(upgrade.c.value, { display_phone_number: '15550001111', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED', max_daily_conversations_per_business: 'TIER_UNLIMITED' })
})

test('a fault matching a WABA applies to every number of it and to no other, until removed', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { 7001: { wabaId: 'W1' }, 7002: { wabaId: 'W1' }, 7003: { wabaId: 'W2' } } })
  const id = sim.addFault({ match: { wabaId: 'W1' }, action: { type: 'error', code: 131042 } })
  for (const n of ['7001', '7002', '7001']) assert.equal((await post(`${sim.url}/v23.0/${n}/messages`, textBody('+15557101'))).body.error.code, 131042)
  assert.equal((await post(`${sim.url}/v23.0/7003/messages`, textBody('+15557101'))).status, 200)
  assert.equal(sim.removeFault(id), true)
  assert.equal((await post(`${sim.url}/v23.0/7001/messages`, textBody('+15557102'))).status, 200)
})

test('the /_sim endpoints need the admin token when one is set, or when bound off loopback; the Graph API routes and health do not', async (t) => {
  const sim = await startSim(t, { adminToken: 'admin-secret' })
  assert.equal((await fetch(`${sim.url}/_sim/stats`)).status, 401)
  assert.equal((await fetch(`${sim.url}/_sim/stats`, { headers: { authorization: 'Bearer wrong' } })).status, 401)
  assert.equal((await fetch(`${sim.url}/_sim/stats`, { headers: { authorization: 'Bearer admin-secret' } })).status, 200)
  assert.equal((await fetch(`${sim.url}/_sim/healthz`)).status, 200)
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557101'))).status, 200)
  const open = await startSim(t, { host: '0.0.0.0' })
  assert.equal((await fetch(`http://127.0.0.1:${open.port}/_sim/stats`)).status, 403)
})

test('SIM_ADMIN_TOKEN is required when SIM_HOST is not loopback', async () => {
  const { loadSimConfig, toSimOptions } = await import('../src/env.ts')
  assert.throws(() => loadSimConfig({ SIM_HOST: '0.0.0.0' }), /SIM_ADMIN_TOKEN/)
  assert.equal(toSimOptions(loadSimConfig({ SIM_HOST: '0.0.0.0', SIM_ADMIN_TOKEN: 'x' })).adminToken, 'x')
  assert.equal(toSimOptions(loadSimConfig({})).adminToken, undefined)
})
