import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { propagation } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { request } from 'undici'
import { CUSTOMER, messageFixtures, messageWebhook, statusFixtures, statusWebhook } from '../fixtures/webhooks.ts'
import { APP_SECRET, buildTestIngress, inboundTopics, OLD_SECRET, readTopics, VERIFY_TOKEN } from '../helpers.ts'
import { createTestMeter } from '../telemetry.ts'

test('every record carries the traceparent of its request span', async (t) => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  t.after(() => propagation.disable())
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  const app = await buildTestIngress(t, { tracer: provider.getTracer('test') })

  assert.equal((await app.post(messageWebhook(messageFixtures().text!))).status, 200)
  assert.equal((await app.post(statusWebhook(statusFixtures().read!))).status, 200)
  const spans = exporter.getFinishedSpans().filter((s) => s.name === 'webhook receive')
  assert.equal(spans.length, 2)
  const expected = new Set(spans.map((s) => `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`))

  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  const records = Object.values(stored).flat()
  assert.equal(records.length, 4)
  for (const record of records) assert.ok(expected.has(record.headers.traceparent!), `${record.topic} has traceparent ${record.headers.traceparent}`)
  // The message and its raw body share one trace; the status is in another.
  assert.equal(new Set(records.map((r) => r.headers.traceparent)).size, 2)
})

test('requests are counted by outcome, produce latency is recorded', async (t) => {
  const metrics = createTestMeter()
  const app = await buildTestIngress(t, { meter: metrics.meter })
  await app.post(messageWebhook(messageFixtures().text!))
  await app.post(messageWebhook(messageFixtures().text!), { signature: null })
  await app.post('nope')
  await request(`${app.url}/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1`).then((r) => r.body.dump())
  await request(`${app.url}/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`).then((r) => r.body.dump())
  await new Promise((resolve) => setTimeout(resolve, 50))
  const count = (outcome: string) => metrics.counter('wabridge.ingress.requests', { outcome })
  assert.deepEqual(
    { accepted: await count('accepted'), unauthorized: await count('unauthorized'), invalid: await count('invalid'), verified: await count('verified'), forbidden: await count('forbidden') },
    { accepted: 1, unauthorized: 1, invalid: 1, verified: 1, forbidden: 1 }
  )
  assert.equal(await metrics.histogramCount('wabridge.ingress.request.duration'), 5)
  // Two produces: the accepted webhook, and the raw body of the invalid one.
  assert.equal(await metrics.histogramCount('wabridge.ingress.produce.duration', { outcome: 'ok' }), 2)
})

test('logs never contain message bodies, full phone numbers or secrets', async (t) => {
  const lines: string[] = []
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')))
  const app = await buildTestIngress(t, { env: { LOG_LEVEL: 'trace' }, logDestination: destination })
  const message = messageFixtures().text!
  await app.post(messageWebhook(message))
  await app.post(messageWebhook(message), { secret: 'wrong' })
  await app.post('{"object":"page","text":{"body":"secret words"}}')
  await request(`${app.url}/webhook?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=77`).then((r) => r.body.dump())
  await request(`${app.url}/webhook?hub.mode=subscribe&hub.verify_token=guess-${VERIFY_TOKEN}&hub.challenge=77`).then((r) => r.body.dump())
  await app.ingress.stop()
  const log = lines.join('')
  if (process.env.SHOW_LOG) process.stderr.write(log)
  assert.match(log, /request refused/, 'the refusals were logged')
  assert.match(log, /request done/, 'requests were logged at debug')
  for (const secret of [APP_SECRET, OLD_SECRET, VERIFY_TOKEN, CUSTOMER, 'Bogotá', 'secret words', 'sha256=']) {
    assert.ok(!log.includes(secret), `the log contains ${secret}`)
  }
})
