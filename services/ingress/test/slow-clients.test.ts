import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { buildTestIngress, countRecords, inboundTopics, type TestIngress } from './helpers.ts'

// Short limits so a test takes about a second; the clients below would go on for far longer.
const SHORT = { INGRESS_HEADERS_TIMEOUT_MS: '500', INGRESS_REQUEST_TIMEOUT_MS: '1000', INGRESS_KEEP_ALIVE_TIMEOUT_MS: '500' }
// How long a slow client keeps trickling at most: far beyond every timeout above, so a connection
// still open by then was not cut off.
const GIVE_UP_MS = 30_000

interface RawClient {
  socket: Socket
  /** Everything the server sent so far. */
  received(): string
  /** True once the server closed the connection. */
  isClosed(): boolean
  closed: Promise<void>
}

async function open (app: TestIngress): Promise<RawClient> {
  const { hostname, port } = new URL(app.url)
  const socket = connect({ host: hostname, port: Number(port) })
  let text = ''
  let isClosed = false
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  // A reset is how a refused or cut connection may end too; 'close' follows it.
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => { isClosed = true; resolve() }))
  await once(socket, 'connect')
  return { socket, received: () => text, isClosed: () => isClosed, closed }
}

/** Writes `chunk` every `everyMs` until the server closes the connection or GIVE_UP_MS pass; true if it was closed. */
async function trickle (client: RawClient, chunk: string, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + GIVE_UP_MS
  while (!client.isClosed() && Date.now() < deadline) {
    if (client.socket.writable) client.socket.write(chunk)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
  client.socket.destroy()
  return client.isClosed()
}

/** Waits until the server closes the connection or GIVE_UP_MS pass; true if it was closed. */
async function waitClosed (client: RawClient): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const isClosed = await Promise.race([client.closed.then(() => true), new Promise<boolean>((resolve) => { timer = setTimeout(resolve, GIVE_UP_MS, false) })])
  clearTimeout(timer)
  client.socket.destroy()
  return isClosed
}

function assertTimedOut (client: RawClient) {
  const text = client.received()
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/)
  assert.match(text, /\r\nConnection: close\r\n/i)
  assert.deepEqual(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)), { error: { code: 'INGRESS_REQUEST_TIMEOUT', message: 'the request was not received in time' } })
}

test('a client that stalls in its headers is answered 408 with the error body and closed', async (t) => {
  const app = await buildTestIngress(t, { env: SHORT })
  const client = await open(app)
  client.socket.write('POST /webhook HTTP/1.1\r\nHost: ingress\r\n')
  assert.equal(await waitClosed(client), true, 'the server closed the connection')
  assertTimedOut(client)
})

// A client still sending when the server closes may get a TCP reset instead of the 408 (the kernel
// resets a connection closed with unread data), so these check the cut, and the answer if one came.
test('a client trickling its headers is cut off', async (t) => {
  const app = await buildTestIngress(t, { env: SHORT })
  const client = await open(app)
  client.socket.write('POST /webhook HTTP/1.1\r\nHost: ingress\r\n')
  assert.equal(await trickle(client, 'X-Slow: 1\r\n'), true, 'the server closed the connection')
  if (client.received() !== '') assertTimedOut(client)
})

test('a client trickling a 3 MiB body is cut off, and nothing is published', async (t) => {
  const app = await buildTestIngress(t, { env: SHORT })
  const client = await open(app)
  client.socket.write(`POST /webhook HTTP/1.1\r\nHost: ingress\r\nContent-Type: application/json\r\nContent-Length: ${3 * 1024 * 1024}\r\nX-Hub-Signature-256: sha256=${'0'.repeat(64)}\r\n\r\n{"a":"`)
  assert.equal(await trickle(client, 'x'.repeat(1024)), true, 'the server closed the connection')
  if (client.received() !== '') assertTimedOut(client)
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), Object.fromEntries(inboundTopics(app.topics).map((topic) => [topic, 0])))
  // The server still answers others.
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200)
})

test('an idle keep-alive connection is closed by the server', async (t) => {
  const app = await buildTestIngress(t, { env: SHORT })
  const client = await open(app)
  client.socket.write('GET /healthz HTTP/1.1\r\nHost: ingress\r\n\r\n')
  assert.equal(await waitClosed(client), true, 'the server closed the idle connection')
  assert.match(client.received(), /^HTTP\/1\.1 200 OK\r\n/)
  // The answer kept the connection open: it was the idle timeout that closed it.
  assert.match(client.received(), /\r\nConnection: keep-alive\r\n/i)
})

test('connections beyond INGRESS_MAX_CONNECTIONS are closed at once; the open ones keep working', async (t) => {
  const app = await buildTestIngress(t, { env: { INGRESS_MAX_CONNECTIONS: '2' } })
  const connections = promisify(app.ingress.server.server.getConnections.bind(app.ingress.server.server))
  const first = await open(app)
  const second = await open(app)
  t.after(() => { first.socket.destroy(); second.socket.destroy() })
  for (let i = 0; i < 400 && await connections() < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  assert.equal(await connections(), 2)

  // The kernel accepts the TCP connection; the server closes it without reading it.
  const third = await open(app)
  third.socket.write('GET /healthz HTTP/1.1\r\nHost: ingress\r\n\r\n')
  await third.closed
  assert.equal(third.received(), '', 'the third connection got no answer')

  first.socket.write('GET /healthz HTTP/1.1\r\nHost: ingress\r\n\r\n')
  for (let i = 0; i < 400 && !first.received().includes('"status":"ok"'); i++) await new Promise((resolve) => setTimeout(resolve, 25))
  assert.match(first.received(), /^HTTP\/1\.1 200 OK\r\n/)

  // Once one closes, a new connection is served.
  second.socket.destroy()
  for (let i = 0; i < 400 && await connections() > 1; i++) await new Promise((resolve) => setTimeout(resolve, 25))
  assert.equal((await fetch(`${app.url}/healthz`)).status, 200)
})

test('headers over Node\'s limit answer 431 and a malformed request 400, with the error body', async (t) => {
  const app = await buildTestIngress(t)
  const cases = [
    { request: `GET /healthz HTTP/1.1\r\nHost: ingress\r\nX-Big: ${'x'.repeat(20 * 1024)}\r\n\r\n`, status: '431 Request Header Fields Too Large', code: 'INGRESS_HEADERS_TOO_LARGE' },
    { request: 'NOT HTTP AT ALL\r\n\r\n', status: '400 Bad Request', code: 'INGRESS_BAD_REQUEST' }
  ]
  for (const { request, status, code } of cases) {
    const client = await open(app)
    client.socket.write(request)
    await client.closed
    const text = client.received()
    assert.ok(text.startsWith(`HTTP/1.1 ${status}\r\n`), text)
    assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, code)
  }
})
