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
  assert.deepEqual(await get(`${sim.url}/_sim/counts`), { accepted: 2, refused: 2, inbound: 0 })
  assert.equal((await get(`${sim.url}/_sim/refused`)).refused.length, 2)
  assert.equal((await post(`${sim.url}/_sim/reset`, {})).status, 200)
  const after = await get(`${sim.url}/_sim/stats`)
  assert.deepEqual([after.accepted, after.refused], [0, 0])
  assert.deepEqual(await get(`${sim.url}/_sim/counts`), { accepted: 0, refused: 0, inbound: 0 })
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15557009'))).status, 200, 'limiter state was reset')
})

test('PUT /_sim/phone-numbers/:id changes a number\'s limit and token at run time', async (t) => {
  const sim = await startSim(t)
  const r = await fetch(`${sim.url}/_sim/phone-numbers/${PNID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mps: 1, token: 'tk' }) })
  assert.equal(r.status, 200)
  assert.deepEqual(await r.json(), { id: PNID, mps: 1, token: 'tk', wabaId: '107540352242922', displayPhoneNumber: '15552242922' })
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
