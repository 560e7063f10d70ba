import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { test } from 'node:test'
import { post, startReceiver, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'

test('next-N faults: a burst of 130429 then normal service', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 3, action: { type: 'error', code: 130429 } }] })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const codes = []
  for (let i = 0; i < 5; i++) codes.push((await post(url, textBody(`+155550${i}`))).body.error?.code ?? 0)
  assert.deepEqual(codes, [130429, 130429, 130429, 0, 0])
  assert.deepEqual(sim.faults(), [])
})

test('5xx faults carry Meta\'s codes 1, 2 and 131000 with their HTTP statuses', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  for (const [code, status] of [[1, 500], [2, 503], [131000, 500]] as const) {
    sim.addFault({ count: 1, action: { type: 'error', code } })
    const r = await post(url, textBody('+15555001'))
    assert.deepEqual([r.status, r.body.error.code, r.body.error.type], [status, code, 'OAuthException'])
  }
  assert.equal(sim.accepted().length, 0)
})

test('a fault for one recipient: 131026 for +15550000001 only', async (t) => {
  const sim = await startSim(t)
  sim.addFault({ match: { to: '+15550000001' }, action: { type: 'error', code: 131026 } })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const bad = await post(url, textBody('15550000001'))
  assert.deepEqual([bad.status, bad.body.error.code], [400, 131026])
  assert.match(bad.body.error.error_data.details, /cannot receive/)
  assert.equal((await post(url, textBody('+15550000002'))).status, 200)
  assert.equal((await post(url, textBody('+15550000001'))).body.error.code, 131026, 'a rule without count stays')
})

test('probabilistic faults fire at about their probability (seeded randomness)', async (t) => {
  let seed = 3
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  const sim = await startSim(t, { random, pairRate: false, faults: [{ probability: 0.3, action: { type: 'error', code: 2 } }] })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  let failed = 0
  for (let i = 0; i < 60; i++) if ((await post(url, textBody('+15555002'))).status !== 200) failed++
  assert.ok(failed > 6 && failed < 36, `${failed} of 60`)
})

test('a timeout fault answers late when answerAfterMs is set; accept: false records nothing', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  sim.addFault({ count: 1, action: { type: 'timeout', answerAfterMs: 150 } })
  const started = performance.now()
  assert.equal((await post(url, textBody('+15555003'))).status, 200)
  assert.ok(performance.now() - started >= 140)
  sim.addFault({ count: 1, action: { type: 'timeout', answerAfterMs: 10, accept: false } })
  const r = await post(url, textBody('+15555004'))
  assert.deepEqual([r.status, r.body.error.code], [503, 2])
  assert.equal(sim.accepted().length, 1)
})

test('a reset fault drops the connection; with accept the message is recorded anyway', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  sim.addFault({ count: 1, action: { type: 'reset' } })
  await assert.rejects(post(url, textBody('+15555005')))
  sim.addFault({ count: 1, action: { type: 'reset', accept: false } })
  await assert.rejects(post(url, textBody('+15555006')))
  assert.deepEqual(sim.accepted().map((m) => m.to), ['+15555005'])
})

test('a request held forever is released by stop()', async (t) => {
  const sim = await startSim(t, { faults: [{ action: { type: 'timeout' } }] })
  const pending = post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15555007')).then(() => 'answered', () => 'dropped')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = performance.now()
  await sim.stop()
  assert.equal(await pending, 'dropped')
  assert.ok(performance.now() - started < 1000)
})

test('faults can be listed, added, replaced and removed over HTTP', async (t) => {
  const sim = await startSim(t)
  const added = await post(`${sim.url}/_sim/faults`, { match: { type: 'template' }, action: { type: 'error', code: 132001 } })
  assert.equal(added.body.id, 'f1')
  assert.equal((await post(`${sim.url}/_sim/faults`, { action: { type: 'explode' } })).status, 400)
  const replaced = await post(`${sim.url}/_sim/faults`, { rules: [{ id: 'mine', count: 2, action: { type: 'error', code: 4 } }] })
  assert.deepEqual(replaced.body.faults.map((f: { id: string }) => f.id), ['mine'])
  const listed = await (await fetch(`${sim.url}/_sim/faults`)).json() as { faults: Array<{ id: string, applied: number }> }
  assert.deepEqual(listed.faults.map((f) => [f.id, f.applied]), [['mine', 0]])
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15555008'))).body.error.code, 4)
  assert.equal((await fetch(`${sim.url}/_sim/faults/mine`, { method: 'DELETE' })).status, 200)
  assert.equal((await fetch(`${sim.url}/_sim/faults/mine`, { method: 'DELETE' })).status, 404)
  await post(`${sim.url}/_sim/faults`, { action: { type: 'error', code: 1 } })
  assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 200)
  assert.deepEqual(sim.faults(), [])
})

test('accept-then-502: the message is accepted and its statuses sent, the caller gets a proxy\'s HTML page', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: 's', statuses: { sentAfterMs: 0, deliveredAfterMs: 0, readShare: 0 } })
  sim.addFault({ count: 1, action: { type: 'error', httpStatus: 502, accept: true } })
  const res = await fetch(`${sim.url}/v23.0/${PNID}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t', 'user-agent': 'ua-1' }, body: JSON.stringify(textBody('+15555010', { biz_opaque_callback_data: 'req-502' })) })
  assert.equal(res.status, 502)
  assert.equal(res.headers.get('content-type'), 'text/html')
  assert.match(await res.text(), /<title>502 Bad Gateway<\/title>/)
  const [m] = sim.accepted()
  assert.deepEqual([m?.bizOpaqueCallbackData, m?.fault, m?.userAgent], ['req-502', 'error', 'ua-1'])
  assert.deepEqual(sim.refused(), [], 'an accepted message is not a refusal')
  assert.equal(await sim.webhooksIdle(5000), true)
  const statuses = receiver.received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.flatMap((c) => (c.value.statuses ?? []) as Array<{ id: string, status: string, biz_opaque_callback_data?: string }>)))
  assert.deepEqual(statuses.map((s) => [s.id, s.status, s.biz_opaque_callback_data]), [[m?.wamid, 'sent', 'req-502'], [m?.wamid, 'delivered', 'req-502']])
})

test('accept-then-504 with Meta\'s envelope, plain text or no body; answerAfterMs delays the answer', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  sim.setFaults([
    { count: 1, action: { type: 'error', httpStatus: 504, body: 'envelope', accept: true } },
    { count: 1, action: { type: 'error', httpStatus: 504, body: 'text', message: 'upstream request timeout', accept: true, answerAfterMs: 120 } },
    { count: 1, action: { type: 'error', httpStatus: 502, body: 'empty', accept: true } }
  ])
  const envelope = await post(url, textBody('+15555011'))
  assert.deepEqual([envelope.status, envelope.body.error.code, envelope.body.error.type], [504, 1, 'OAuthException'])
  const started = performance.now()
  const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(textBody('+15555012')) })
  assert.deepEqual([text.status, await text.text()], [504, 'upstream request timeout'])
  assert.ok(performance.now() - started >= 110)
  const empty = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(textBody('+15555013')) })
  assert.deepEqual([empty.status, await empty.text()], [502, ''])
  assert.deepEqual(sim.accepted().map((m) => [m.to, m.fault]), [['+15555011', 'error'], ['+15555012', 'error'], ['+15555013', 'error']])
  assert.equal(sim.refused().length, 0)
})

test('an error without accept is a refusal; one without Meta\'s envelope is counted by its HTTP status', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'error', httpStatus: 503, body: 'text' } }, { count: 1, action: { type: 'error', httpStatus: 502, code: 131000 } }] })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  assert.equal((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer t' }, body: JSON.stringify(textBody('+15555014')) })).status, 503)
  const coded = await post(url, textBody('+15555015'))
  assert.deepEqual([coded.status, coded.body.error.code], [502, 131000])
  assert.equal(sim.accepted().length, 0)
  assert.deepEqual(sim.refused().map((r) => [r.code, r.httpStatus]), [[undefined, 503], [131000, 502]])
  assert.deepEqual(sim.stats().refusedByCode, { http_503: 1, 131000: 1 })
})

test('an error rule keeps every field it was given and needs a code or a status', async (t) => {
  const sim = await startSim(t)
  const rule = { action: { type: 'error', httpStatus: 504, body: 'html', accept: true, answerAfterMs: 10 } }
  const { body } = await post(`${sim.url}/_sim/faults`, rule)
  const listed = await (await fetch(`${sim.url}/_sim/faults`)).json() as { faults: Array<{ id: string, action: unknown }> }
  assert.deepEqual(listed.faults.find((f) => f.id === body.id)?.action, rule.action)
  assert.equal((await post(`${sim.url}/_sim/faults`, { action: { type: 'error' } })).status, 400)
  assert.equal((await post(`${sim.url}/_sim/faults`, { action: { type: 'error', httpStatus: 502, body: 'xml' } })).status, 400)
})

/** Sends one raw HTTP request and returns every byte the server wrote before it closed the connection. */
async function rawExchange (port: number, body: unknown): Promise<Buffer> {
  const json = JSON.stringify(body)
  const socket = connect(port, '127.0.0.1')
  const chunks: Buffer[] = []
  socket.on('data', (c: Buffer) => chunks.push(c))
  socket.write(`POST /v23.0/${PNID}/messages HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: Bearer t\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`)
  await new Promise<void>((resolve) => { socket.on('close', () => resolve()); socket.on('error', () => {}) })
  return Buffer.concat(chunks)
}

test('reset with accept records the message, then drops the connection without writing a byte', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'reset', accept: true } }, { count: 1, action: { type: 'reset', accept: false } }] })
  assert.equal((await rawExchange(sim.port, textBody('+15555016', { biz_opaque_callback_data: 'dropped-1' }))).length, 0)
  assert.deepEqual(sim.accepted().map((m) => [m.bizOpaqueCallbackData, m.fault]), [['dropped-1', 'reset']])
  assert.equal((await rawExchange(sim.port, textBody('+15555017', { biz_opaque_callback_data: 'dropped-2' }))).length, 0)
  assert.equal(sim.accepted().length, 1, 'accept: false records nothing')
  const answered = (await rawExchange(sim.port, textBody('+15555018'))).toString('latin1')
  assert.match(answered, /^HTTP\/1\.1 200 /, 'the same raw request is answered without a fault')
})
