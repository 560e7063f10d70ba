import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { FaultAction } from '@wabridge/graph-api-sim'
import { decideSend, textMessage } from '../src/index.ts'
import { EXPECTED, expectedClass } from './fixtures/expected-decisions.ts'
import { startClient, startSim } from './helpers.ts'

const PNID = '106540352242922'
const TO = '+16505551234'

test('every code family, answered by the simulator in Meta\'s envelope, gets its decision and class; nothing was accepted', async (t) => {
  const sim = await startSim(t, { pairRate: false })
  const client = startClient(t, { baseUrl: sim.url })
  for (const [codes, expected] of EXPECTED) {
    for (const code of codes) {
      sim.addFault({ count: 1, action: { type: 'error', code } })
      const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't', bizOpaqueCallbackData: `c${code}` })
      assert.ok(!r.ok, `code ${code} was accepted`)
      assert.deepEqual([r.error.code, r.error.requestSent, r.error.class], [code, true, expectedClass(expected)], `code ${code}`)
      const { reason: _reason, ...decision } = decideSend(r.error)
      assert.deepEqual(decision, expected, `code ${code} (HTTP ${r.error.httpStatus})`)
      assert.equal(r.error.retryAfterMs, decision.action === 'retry' ? decision.afterMs : decision.action === 'fail' ? decision.replayAfterMs : undefined)
    }
  }
  assert.equal(sim.accepted().length, 0)
  assert.deepEqual(sim.stats().refusedByCode['131000'], 1)
})

const AMBIGUOUS_CASES: Array<[string, FaultAction]> = [
  ['accepted, then a proxy\'s 502 page', { type: 'error', httpStatus: 502, accept: true }],
  ['accepted, then a 504 in Meta\'s envelope', { type: 'error', httpStatus: 504, body: 'envelope', accept: true }],
  ['accepted, then an empty 504', { type: 'error', httpStatus: 504, body: 'empty', accept: true }],
  ['accepted, then a bare 503 text', { type: 'error', httpStatus: 503, body: 'text', accept: true }],
  ['accepted, then the connection dropped', { type: 'reset', accept: true }],
  ['accepted, then no answer in time', { type: 'timeout', accept: true }]
]

for (const [name, action] of AMBIGUOUS_CASES) {
  test(`${name}: ambiguous, and the simulator did accept it (a retry would send it twice)`, async (t) => {
    const sim = await startSim(t, { faults: [{ count: 1, action }] })
    const client = startClient(t, { baseUrl: sim.url, headersTimeoutMs: 300 })
    const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't', bizOpaqueCallbackData: 'req-1' })
    assert.ok(!r.ok)
    assert.deepEqual([r.error.class, r.error.requestSent, decideSend(r.error).action], ['ambiguous', true, 'ambiguous'])
    assert.equal(sim.acceptedCount('req-1'), 1)
  })
}

test('502 and 504 are ambiguous even when the message was not accepted: the client cannot tell', async (t) => {
  const sim = await startSim(t, {
    faults: [
      { count: 1, action: { type: 'error', httpStatus: 502 } },
      { count: 1, action: { type: 'error', httpStatus: 504, code: 131000 } },
      { count: 1, action: { type: 'error', code: 2 } },
      { count: 1, action: { type: 'reset', accept: false } }
    ]
  })
  const client = startClient(t, { baseUrl: sim.url })
  const send = async () => { const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' }); assert.ok(!r.ok); return [r.error.httpStatus, r.error.class] }
  assert.deepEqual(await send(), [502, 'ambiguous'])
  assert.deepEqual(await send(), [504, 'ambiguous'])
  assert.deepEqual(await send(), [503, 'retry_now'], 'a 503 in Meta\'s envelope (code 2) is Meta refusing it')
  assert.deepEqual(await send(), [undefined, 'ambiguous'], 'a dropped connection after writing')
  assert.equal(sim.accepted().length, 0)
})

test('a connection refused before sending is retried: never sent', async (t) => {
  const sim = await startSim(t)
  const port = sim.port
  await sim.stop()
  const client = startClient(t, { baseUrl: `http://127.0.0.1:${port}` })
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.ok(!r.ok)
  assert.deepEqual([r.error.networkCode, r.error.requestSent, r.error.class, decideSend(r.error).action], ['ECONNREFUSED', false, 'retry_now', 'retry'])
})

test('the userAgent option is sent on every call; the simulator records it per accepted send', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url, userAgent: 'wabridge-egress (egress-1)' })
  assert.equal((await client.sendMessage(PNID, TO, textMessage('x'), { token: 't', bizOpaqueCallbackData: 'ua-1' })).ok, true)
  assert.deepEqual(sim.acceptedSends().map((s) => [s.bizOpaqueCallbackData, s.userAgent]), [['ua-1', 'wabridge-egress (egress-1)']])

  const seen: Array<string | undefined> = []
  const server = createServer((req, res) => { seen.push(req.headers['user-agent']); req.resume(); res.writeHead(200, { 'content-type': 'image/png' }).end('x') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const other = startClient(t, { baseUrl: url, userAgent: 'ua-2' })
  await other.downloadMedia(`${url}/media/1`, { token: 't' })
  await other.getMediaUrl('1', { token: 't' })
  const plain = startClient(t, { baseUrl: url })
  await plain.downloadMedia(`${url}/media/1`, { token: 't' })
  assert.deepEqual(seen, ['ua-2', 'ua-2', undefined])
})
