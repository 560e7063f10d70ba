import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock, post, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'
const OTHER_PNID = '106540352242923'
const USER = '4915110000001'
const DAY = 24 * 3600 * 1000
const ADMIN = 'admin'

function control (base: string) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }
  return {
    post: async (path: string, body: unknown): Promise<{ status: number, body: any }> => {
      const res = await fetch(`${base}/_sim${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
      return { status: res.status, body: await res.json() }
    },
    get: async (path: string): Promise<{ status: number, body: any }> => {
      const res = await fetch(`${base}/_sim${path}`, { headers })
      return { status: res.status, body: await res.json() }
    }
  }
}

test('windows are not enforced by default: a text to a user who never wrote is accepted', async (t) => {
  const sim = await startSim(t, { pairRate: false })
  const r = await post(`${sim.url}/v23.0/${PNID}/messages`, textBody(`+${USER}`))
  assert.equal(r.status, 200)
  assert.equal(sim.accepted().length, 1)
})

test('with enforceWindows a free-form send outside the 24 h window gets Meta\'s 131047 and nothing is accepted; templates and mark-as-read pass; an inbound message opens the window for that number only', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { pairRate: false, enforceWindows: true, now: clock.now })
  const send = (body: Record<string, unknown>, pnid = PNID) => post(`${sim.url}/v23.0/${pnid}/messages`, body)

  const refused = await send(textBody(`+${USER}`))
  assert.equal(refused.status, 400)
  assert.deepEqual(refused.body, {
    error: {
      message: '(#131047) Re-engagement message',
      type: 'OAuthException',
      code: 131047,
      error_data: { messaging_product: 'whatsapp', details: 'More than 24 hours have passed since the recipient last replied to the sender number' },
      fbtrace_id: refused.body.error.fbtrace_id
    }
  })
  assert.equal(typeof refused.body.error.fbtrace_id, 'string')
  const image = await send({ messaging_product: 'whatsapp', to: USER, type: 'image', image: { link: 'https://example.com/a.jpg' } })
  assert.equal(image.body.error.code, 131047, 'every non-template type')
  assert.equal(sim.accepted().length, 0)
  assert.deepEqual(sim.refused().map((x) => [x.code, x.to]), [[131047, `+${USER}`], [131047, USER]])

  const template = await send({ messaging_product: 'whatsapp', to: USER, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })
  assert.equal(template.status, 200, 'a template opens the conversation')
  const read = await send({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.HBgLMTIzNDU2Nzg5MBUCABIYFjNFQjBDMEY1RUM3OTE4' })
  assert.equal(read.status, 200, 'mark-as-read is no message')

  sim.receiveMessage(PNID, USER)
  assert.equal((await send(textBody(`+${USER}`))).status, 200, 'inside the window')
  assert.equal((await send(textBody(`+${USER}`), OTHER_PNID)).body.error.code, 131047, 'the window belongs to the number the user wrote to')

  clock.advance(DAY - 1)
  assert.equal((await send(textBody(USER))).status, 200, 'still open a millisecond before 24 h')
  clock.advance(1)
  assert.equal((await send(textBody(USER))).body.error.code, 131047, 'closed at 24 h')
  sim.receiveMessage(PNID, USER)
  assert.equal((await send(textBody(USER))).status, 200, 'a new message resets the window')
  assert.equal(sim.stats().refusedByCode['131047'], 4)
})

test('POST /_sim/windows opens (or closes) a window without a webhook; GET /_sim/windows reads one or lists them', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { pairRate: false, enforceWindows: true, now: clock.now, adminToken: ADMIN })
  const ctl = control(sim.url)
  const send = () => post(`${sim.url}/v23.0/${PNID}/messages`, textBody(USER))

  assert.deepEqual((await ctl.get(`/windows?phone_number_id=${PNID}&wa_id=${USER}`)).body, { phone_number_id: PNID, wa_id: USER, open: false, last_inbound_at: null, expires_at: null })
  const opened = await ctl.post('/windows', { phone_number_id: PNID, wa_id: `+${USER}` })
  assert.equal(opened.status, 200)
  assert.deepEqual(opened.body, { phone_number_id: PNID, wa_id: USER, open: true, last_inbound_at: clock.t, expires_at: clock.t + DAY })
  assert.equal((await send()).status, 200)

  // A last message 23 h ago leaves an hour; 25 h ago closes the window.
  const at = new Date(clock.t - 23 * 3600 * 1000).toISOString()
  assert.equal((await ctl.post('/windows', { phone_number_id: PNID, wa_id: USER, last_inbound_at: at })).body.expires_at, clock.t + 3600 * 1000)
  assert.equal((await send()).status, 200)
  const closed = await ctl.post('/windows', { phone_number_id: PNID, wa_id: USER, last_inbound_at: clock.t - 25 * 3600 * 1000 })
  assert.equal(closed.body.open, false)
  assert.equal((await send()).body.error.code, 131047)

  await ctl.post('/windows', { phone_number_id: OTHER_PNID, wa_id: '4915110000002' })
  sim.receiveMessage(PNID, '4915110000003')
  const all = (await ctl.get('/windows')).body.windows as Array<{ phone_number_id: string, wa_id: string, open: boolean }>
  assert.deepEqual(all.map((w) => [w.phone_number_id, w.wa_id, w.open]), [
    [PNID, USER, false], [PNID, '4915110000003', true], [OTHER_PNID, '4915110000002', true]
  ])
  assert.deepEqual((await ctl.get(`/windows?phone_number_id=${OTHER_PNID}`)).body.windows.map((w: { wa_id: string }) => w.wa_id), ['4915110000002'])
  assert.deepEqual(sim.windows({ waId: `+${USER}` }).map((w) => w.phoneNumberId), [PNID])

  assert.equal((await ctl.post('/windows', { phone_number_id: PNID, wa_id: 'abc' })).status, 400)
  assert.equal((await ctl.post('/windows', { phone_number_id: PNID, wa_id: USER, last_inbound_at: 'yesterday' })).status, 400)
  assert.equal((await fetch(`${sim.url}/_sim/windows`)).status, 401, 'behind the admin token')
  sim.reset()
  assert.deepEqual(sim.windows(), [], 'reset forgets the windows')
})
