import assert from 'node:assert/strict'
import { test } from 'node:test'
import { post, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'

test('accepts a valid message with Meta\'s success body and a fresh wamid', async (t) => {
  const sim = await startSim(t)
  const a = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+16505551234', { biz_opaque_callback_data: 'r-1' }))
  const b = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('16505551234'))
  assert.equal(a.status, 200)
  assert.deepEqual(Object.keys(a.body), ['messaging_product', 'contacts', 'messages'])
  assert.equal(a.body.messaging_product, 'whatsapp')
  assert.deepEqual(a.body.contacts, [{ input: '+16505551234', wa_id: '16505551234' }])
  assert.match(a.body.messages[0].id, /^wamid\.HBg[A-Za-z0-9+/]+={0,2}$/)
  assert.notEqual(a.body.messages[0].id, b.body.messages[0].id)
  assert.equal(a.headers.get('facebook-api-version'), 'v23.0')
  const recorded = sim.accepted()
  assert.equal(recorded.length, 2)
  assert.deepEqual({ ...recorded[0], acceptedAt: 0, body: null }, {
    seq: 1,
    phoneNumberId: PNID,
    to: '+16505551234',
    waId: '16505551234',
    type: 'text',
    wamid: a.body.messages[0].id,
    bizOpaqueCallbackData: 'r-1',
    apiVersion: 'v23.0',
    acceptedAt: 0,
    userAgent: 'node',
    body: null
  })
})

test('answers mark-as-read with {"success": true}', async (t) => {
  const sim = await startSim(t)
  const r = await post(`${sim.url}/v23.0/${PNID}/messages`, { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X', typing_indicator: { type: 'text' } })
  assert.deepEqual([r.status, r.body], [200, { success: true }])
  assert.equal(sim.reads().length, 1)
})

test('refuses a bad shape with code 100 in Meta\'s envelope', async (t) => {
  const sim = await startSim(t)
  const r = await post(`${sim.url}/v23.0/${PNID}/messages`, { messaging_product: 'whatsapp', to: '+1555123', type: 'text', text: {} })
  assert.equal(r.status, 400)
  assert.deepEqual(Object.keys(r.body.error), ['message', 'type', 'code', 'error_data', 'fbtrace_id'])
  assert.equal(r.body.error.code, 100)
  assert.equal(r.body.error.type, 'OAuthException')
  assert.match(r.body.error.message, /^\(#100\) /)
  assert.deepEqual(r.body.error.error_data, { messaging_product: 'whatsapp', details: "The parameter text['body'] is required." })
  assert.equal(sim.accepted().length, 0)
  assert.deepEqual(sim.refused().map((x) => x.code), [100])
})

test('refuses invalid JSON with code 100 too', async (t) => {
  const sim = await startSim(t)
  const r = await post(`${sim.url}/v23.0/${PNID}/messages`, '{"messaging_product": ')
  assert.deepEqual([r.status, r.body.error.code], [400, 100])
})

test('answers a missing token with 190 / 401', async (t) => {
  const sim = await startSim(t)
  const r = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+1555123'), null)
  assert.deepEqual([r.status, r.body.error.code, r.body.error.type], [401, 190, 'OAuthException'])
})

test('accepts any token unless the number has one configured; then a wrong one is 190', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { 111: { token: 'secret-111' } } })
  assert.equal((await post(`${sim.url}/v23.0/222/messages`, textBody('+1555123'), 'anything')).status, 200)
  const wrong = await post(`${sim.url}/v23.0/111/messages`, textBody('+1555123'), 'anything')
  assert.deepEqual([wrong.status, wrong.body.error.code], [401, 190])
  assert.equal((await post(`${sim.url}/v23.0/111/messages`, textBody('+1555123'), 'secret-111')).status, 200)
})

test('a strict sim refuses unknown phone number ids with 100 / subcode 33', async (t) => {
  const sim = await startSim(t, { strictPhoneNumbers: true, phoneNumbers: { 111: {} } })
  const r = await post(`${sim.url}/v23.0/999/messages`, textBody('+1555123'))
  assert.deepEqual([r.status, r.body.error.code, r.body.error.error_subcode], [400, 100, 33])
  assert.equal((await post(`${sim.url}/v23.0/111/messages`, textBody('+1555123'))).status, 200)
})

test('unknown paths get Meta\'s 2500 envelope', async (t) => {
  const sim = await startSim(t)
  const r = await post(`${sim.url}/v23.0/${PNID}/nope/deeper`, {})
  assert.deepEqual([r.status, r.body.error.code], [400, 2500])
})

test('every response carries usage headers with integer percentages', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { mps: 4, wabaId: 'W1' } } })
  const statuses: number[] = []
  let last: Headers | undefined
  for (let i = 0; i < 5; i++) {
    const r = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody(`+155512300${i}`))
    statuses.push(r.status)
    last = r.headers
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 400])
  const buc = JSON.parse(last?.get('x-business-use-case-usage') ?? '{}')
  const app = JSON.parse(last?.get('x-app-usage') ?? '{}')
  assert.deepEqual(Object.keys(buc), ['W1'])
  assert.equal(buc.W1[1].type, 'whatsapp')
  assert.equal(buc.W1[1].call_count, 100)
  for (const k of ['call_count', 'total_cputime', 'total_time']) assert.ok(Number.isInteger(app[k]))
})

test('stop() is idempotent and the url is unavailable before start', async () => {
  const { createGraphApiSim } = await import('../src/index.ts')
  const sim = createGraphApiSim()
  assert.throws(() => sim.url, /not started/)
  await sim.stop()
  await sim.stop()
})
