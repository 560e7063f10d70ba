import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { textMessage } from '../src/index.ts'
import { startClient, startSim } from './helpers.ts'

const PNID = '1065'
const TO = '+16505551234'

async function httpServer (t: TestContext, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

test('connection refused is retry_now: nothing was sent', async (t) => {
  const url = await httpServer(t, () => {})
  const refusedUrl = url.replace(/:\d+$/, ':1')
  const client = startClient(t, { baseUrl: refusedUrl })
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.ok(!r.ok)
  assert.equal(r.error.class, 'retry_now')
  assert.equal(r.error.networkCode, 'ECONNREFUSED')
  assert.equal(r.error.code, undefined)
})

test('a simulator timeout after the request was sent is ambiguous, and the message did go out', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'timeout' } }] })
  const client = startClient(t, { baseUrl: sim.url, headersTimeoutMs: 300 })
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't', bizOpaqueCallbackData: 'req-9' })
  assert.ok(!r.ok)
  assert.equal(r.error.class, 'ambiguous')
  assert.equal(r.error.networkCode, 'UND_ERR_HEADERS_TIMEOUT')
  // The sim accepted it: a retry would be a duplicate send.
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'req-9' }).length, 1)
})

test('a connection reset after the request was sent is ambiguous', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'reset' } }] })
  const client = startClient(t, { baseUrl: sim.url })
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.ok(!r.ok)
  assert.equal(r.error.class, 'ambiguous')
  assert.equal(r.error.networkCode, 'UND_ERR_SOCKET')
  assert.equal((await client.sendMessage(PNID, TO, textMessage('y'), { token: 't' })).ok, true)
})

test('a slow answer within the timeout succeeds', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'timeout', answerAfterMs: 100 } }] })
  const client = startClient(t, { baseUrl: sim.url, headersTimeoutMs: 2000 })
  const started = performance.now()
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.equal(r.ok, true)
  assert.ok(performance.now() - started >= 90)
})

test('an abort before sending is retry_now; the signal is honoured', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url })
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't', signal: AbortSignal.abort() })
  assert.deepEqual(!r.ok && r.error.class, 'retry_now')
  assert.equal(sim.accepted().length, 0)
})

test('a non-JSON 502 from a proxy after sending is ambiguous, and a 200 with a garbage body too', async (t) => {
  let n = 0
  const url = await httpServer(t, (req, res) => {
    req.resume()
    req.on('end', () => {
      if (n++ === 0) res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>')
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}')
    })
  })
  const client = startClient(t, { baseUrl: url })
  const first = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.ok(!first.ok)
  assert.deepEqual([first.error.class, first.error.httpStatus, first.error.code, first.error.requestSent], ['ambiguous', 502, undefined, true])
  assert.match(first.error.message, /HTTP 502/)
  const second = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.deepEqual(!second.ok && second.error.class, 'ambiguous')
})

test('a stopped client refuses calls as never sent', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url })
  assert.equal((await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })).ok, true)
  await client.stop()
  await client.stop()
  const r = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.deepEqual(!r.ok && [r.error.class, r.error.networkCode], ['retry_now', 'UND_ERR_CLOSED'])
})
