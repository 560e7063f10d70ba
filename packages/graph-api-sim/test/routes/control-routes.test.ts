import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock, post, startSim, textBody } from '../helpers.ts'

const PNID = '106540352242922'

async function get (url: string): Promise<any> {
  const res = await fetch(url)
  assert.equal(res.status, 200, url)
  return await res.json()
}

test('GET /_sim/messages filters accepted messages; duplicates are grouped by biz_opaque_callback_data', async (t) => {
  const clock = manualClock(1_000)
  const sim = await startSim(t, { now: clock.now })
  const url = (pnid: string) => `${sim.url}/v23.0/${pnid}/messages`
  await post(url(PNID), textBody('+15556001', { biz_opaque_callback_data: 'req-1' }))
  clock.advance(100)
  await post(url(PNID), textBody('+15556001', { biz_opaque_callback_data: 'req-1' }))
  clock.advance(100)
  await post(url('2'), { messaging_product: 'whatsapp', to: '+15556002', type: 'reaction', reaction: { message_id: 'w', emoji: '👍' } })

  assert.equal((await get(`${sim.url}/_sim/messages`)).count, 3)
  assert.equal((await get(`${sim.url}/_sim/messages?phone_number_id=${PNID}`)).count, 2)
  assert.equal((await get(`${sim.url}/_sim/messages?to=15556002&type=reaction`)).count, 1)
  assert.equal((await get(`${sim.url}/_sim/messages?biz_opaque_callback_data=req-1&since=1050`)).count, 1)
  assert.equal((await get(`${sim.url}/_sim/messages?until=1100&limit=1`)).messages.length, 1)
  assert.equal((await fetch(`${sim.url}/_sim/messages?limit=-2`)).status, 400)

  const dups = await get(`${sim.url}/_sim/duplicates`)
  assert.equal(dups.duplicates.length, 1)
  assert.deepEqual([dups.duplicates[0].bizOpaqueCallbackData, dups.duplicates[0].count], ['req-1', 2])
  assert.deepEqual(sim.duplicates().map((d) => d.wamids.length), [2])
})

test('GET /_sim/stats summarizes accepted, refused and per-number windows; POST /_sim/reset clears them', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { mps: 2 } } })
  for (let i = 0; i < 3; i++) await post(`${sim.url}/v23.0/${PNID}/messages`, textBody(`+1555700${i}`))
  await post(`${sim.url}/v23.0/${PNID}/messages`, { bad: true })
  const stats = await get(`${sim.url}/_sim/stats`)
  assert.equal(stats.accepted, 2)
  assert.equal(stats.refused, 2)
  assert.deepEqual(stats.refusedByCode, { 100: 1, 130429: 1 })
  assert.deepEqual(stats.phoneNumbers[PNID], { mps: 2, accepted: 2, inbound: 0, refused: 2, maxInWindow: 2 })
  assert.equal(stats.webhooks, null)
  assert.deepEqual(await get(`${sim.url}/_sim/counts`), { accepted: 2, refused: 2, inbound: 0, duplicates: 0, callbackData: 0 })
  assert.equal((await get(`${sim.url}/_sim/refused`)).refused.length, 2)
  assert.equal((await post(`${sim.url}/_sim/reset`, {})).status, 200)
  const after = await get(`${sim.url}/_sim/stats`)
  assert.deepEqual([after.accepted, after.refused], [0, 0])
  assert.deepEqual(await get(`${sim.url}/_sim/counts`), { accepted: 0, refused: 0, inbound: 0, duplicates: 0, callbackData: 0 })
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557009'))).status, 200, 'limiter state was reset')
})

test('PUT /_sim/phone-numbers/:id changes a number\'s limit and token at run time', async (t) => {
  const sim = await startSim(t)
  const r = await fetch(`${sim.url}/_sim/phone-numbers/${PNID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mps: 1, token: 'tk' }) })
  assert.equal(r.status, 200)
  assert.deepEqual(await r.json(), { id: PNID, mps: 1, token: 'tk', wabaId: '107540352242922', displayPhoneNumber: '15552242922', throughputLevel: 'STANDARD' })
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557101'), 'nope')).body.error.code, 190)
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557101'), 'tk')).status, 200)
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557102'), 'tk')).body.error.code, 130429)
  const bad = await fetch(`${sim.url}/_sim/phone-numbers/${PNID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mps: 0 }) })
  assert.equal(bad.status, 400)
})

test('PUT /_sim/latency and /_sim/statuses change behaviour at run time', async (t) => {
  const sim = await startSim(t)
  const put = (path: string, body: unknown) => fetch(`${sim.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  assert.equal((await put('/_sim/latency', { kind: 'fixed', ms: 120 })).status, 200)
  const started = performance.now()
  await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557201'))
  assert.ok(performance.now() - started >= 110)
  assert.equal((await put('/_sim/latency', { kind: 'uniform', minMs: 50, maxMs: 10 })).status, 400)
  const statuses = await put('/_sim/statuses', { readShare: 0.25 })
  assert.equal(((await statuses.json()) as { statuses: { readShare: number } }).statuses.readShare, 0.25)
  const nothing = await fetch(`${sim.url}/_sim/nothing`)
  assert.deepEqual([nothing.status, await nothing.json()], [404, { error: { code: 'SIM_NOT_FOUND', message: 'no route GET /_sim/nothing' } }])
  const bad = await put('/_sim/latency', { kind: 'uniform', minMs: 50, maxMs: 10 })
  assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'SIM_BAD_REQUEST')
  assert.deepEqual(await (await fetch(`${sim.url}/_sim/healthz`)).json(), { status: 'ok', service: 'graph-api-sim', checks: {} })
})

test('GET /_sim/accepted pages every send with callback data, number, user agent and time; NDJSON streams them', async (t) => {
  const clock = manualClock(5_000)
  const sim = await startSim(t, { now: clock.now, pairRate: false })
  const send = async (callback: string, ua: string) => {
    const res = await fetch(`${sim.url}/v23.0/${PNID}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'user-agent': ua }, body: JSON.stringify(textBody('+15558001', { biz_opaque_callback_data: callback })) })
    assert.equal(res.status, 200)
    clock.advance(10)
  }
  for (let i = 0; i < 5; i++) await send(`req-${i}`, `egress (e${i % 2})`)
  await send('req-3', 'egress (e9)')

  const first = await get(`${sim.url}/_sim/accepted?limit=4`)
  assert.equal(first.total, 6)
  assert.deepEqual(first.sends[0], { seq: 1, phoneNumberId: PNID, to: '+15558001', wamid: first.sends[0].wamid, bizOpaqueCallbackData: 'req-0', acceptedAt: 5000, userAgent: 'egress (e0)' })
  assert.equal(first.next, 4)
  const rest = await get(`${sim.url}/_sim/accepted?after=${first.next}&limit=4`)
  assert.deepEqual(rest.sends.map((s: { bizOpaqueCallbackData: string }) => s.bizOpaqueCallbackData), ['req-4', 'req-3'])
  assert.equal(rest.next, null)

  const nd = await fetch(`${sim.url}/_sim/accepted?format=ndjson&after=2`)
  assert.equal(nd.headers.get('content-type'), 'application/x-ndjson')
  const lines = (await nd.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { seq: number, userAgent: string, acceptedAt: number })
  assert.deepEqual(lines.map((l) => [l.seq, l.userAgent, l.acceptedAt]), [[3, 'egress (e0)', 5020], [4, 'egress (e1)', 5030], [5, 'egress (e0)', 5040], [6, 'egress (e9)', 5050]])
  const byHeader = await fetch(`${sim.url}/_sim/accepted`, { headers: { accept: 'application/x-ndjson' } })
  assert.equal((await byHeader.text()).trimEnd().split('\n').length, 6)
  assert.equal((await fetch(`${sim.url}/_sim/accepted?after=-1`)).status, 400)

  assert.deepEqual(await get(`${sim.url}/_sim/accepted/count?biz_opaque_callback_data=req-3`), { bizOpaqueCallbackData: 'req-3', count: 2 })
  assert.deepEqual(await get(`${sim.url}/_sim/counts`), { accepted: 6, refused: 0, inbound: 0, duplicates: 1, callbackData: 5 })
  const { duplicates } = await get(`${sim.url}/_sim/duplicates`)
  assert.deepEqual(duplicates.map((d: { bizOpaqueCallbackData: string, count: number, sends: Array<{ userAgent: string, acceptedAt: number }> }) =>
    [d.bizOpaqueCallbackData, d.count, d.sends.map((s) => [s.userAgent, s.acceptedAt])]), [['req-3', 2, [['egress (e1)', 5030], ['egress (e9)', 5050]]]])
  assert.equal((await get(`${sim.url}/_sim/messages?user_agent=${encodeURIComponent('egress (e9)')}`)).count, 1)
})
