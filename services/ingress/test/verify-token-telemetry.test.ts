import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { PassThrough } from 'node:stream'
import { test, type TestContext } from 'node:test'
import { startTelemetry } from '@wabridge/telemetry'

// The real telemetry of a service (NodeSDK with the HTTP instrumentation, exporting OTLP/JSON) in
// this test's own process, started before the ingress modules load, as the preload does in production.

/** An OTLP/HTTP receiver that keeps every body as text. */
async function startReceiver (t: TestContext) {
  const bodies: string[] = []
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'))
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.after(() => new Promise((resolve) => server.close(resolve)))
  const address = server.address()
  assert.ok(address && typeof address === 'object')
  return { url: `http://127.0.0.1:${address.port}`, bodies }
}

/** GET over a raw socket: no client instrumentation records the URL on this side. */
async function get (base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base)
  const socket = connect({ host: hostname, port: Number(port) })
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('utf8') })
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ingress\r\nConnection: close\r\n\r\n`)
  await once(socket, 'close')
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1])
}

interface OtlpAttribute { key: string, value: { stringValue?: string } }
interface OtlpSpan { name: string, kind: number, attributes: OtlpAttribute[] }

test('the verify token is recorded in no span attribute and no log line', async (t) => {
  const receiver = await startReceiver(t)
  const telemetry = await startTelemetry({ serviceName: 'ingress-test', otlpEndpoint: receiver.url, exportIntervalMs: 600_000 })
  t.after(() => telemetry.shutdown())
  assert.ok(telemetry.instrumentations.includes('@opentelemetry/instrumentation-http'))
  const { buildTestIngress, VERIFY_TOKEN } = await import('./helpers.ts')

  const lines: string[] = []
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')))
  const app = await buildTestIngress(t, { env: { LOG_LEVEL: 'trace' }, logDestination: destination })
  const statuses = [
    await get(app.url, `/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=77`),
    await get(app.url, `/webhook?hub.mode=subscribe&hub.verify_token=guess-${VERIFY_TOKEN}&hub.challenge=77`),
    await get(app.url, `/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=77`),
    await get(app.url, `/nothing?hub.verify_token=${VERIFY_TOKEN}`)
  ]
  assert.deepEqual(statuses, [200, 403, 400, 404])
  await app.ingress.stop()
  await telemetry.shutdown()

  const exported = receiver.bodies.join('\n')
  const spans = receiver.bodies.flatMap((b) => (JSON.parse(b) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }).resourceSpans)
    .flatMap((r) => r.scopeSpans).flatMap((s) => s.spans)
  // The requests were traced, with their query strings, and the token's value replaced.
  const queries = spans.filter((s) => s.kind === 2).map((s) => s.attributes.find((a) => a.key === 'url.query')?.value.stringValue).filter((q) => q?.includes('hub.'))
  assert.deepEqual(queries.sort(), [
    'hub.mode=subscribe&hub.challenge=77&hub.verify_token=REDACTED',
    'hub.mode=subscribe&hub.challenge=77&hub.verify_token=REDACTED',
    'hub.mode=subscribe&hub.challenge=77&hub.verify_token=REDACTED&hub.verify_token=REDACTED',
    'hub.verify_token=REDACTED'
  ])
  assert.ok(!exported.includes(VERIFY_TOKEN), 'an exported span contains the verify token')

  const log = lines.join('')
  assert.match(log, /request refused/, 'the refusals were logged')
  assert.ok(!log.includes(VERIFY_TOKEN), 'the log contains the verify token')
})
