import assert from 'node:assert/strict'
import { test } from 'node:test'
import { metrics, trace } from '@opentelemetry/api'
import { startTelemetry } from '../src/index.ts'
import { startOtlpReceiver } from './helpers/otlp-receiver.ts'

test('with an OTLP endpoint, spans and metrics reach an OTLP/HTTP receiver (flushed at shutdown)', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const handle = await startTelemetry({ serviceName: 'otlp-test', otlpEndpoint: `${receiver.url}/`, exportIntervalMs: 60_000 })
  t.after(() => handle.shutdown())
  assert.equal(handle.enabled, true)
  assert.equal(handle.prometheusUrl, undefined, 'no Prometheus endpoint unless PROMETHEUS_PORT is set')

  trace.getTracer('otlp-test').startActiveSpan('otlp test span', (span) => span.end())
  metrics.getMeter('otlp-test').createHistogram('wabridge.test.duration', { unit: 's' }).record(0.25)
  metrics.getMeter('otlp-test').createCounter('wabridge.test.things').add(2)
  await handle.shutdown()

  assert.deepEqual(receiver.requests.map((r) => r.path).sort(), ['/v1/metrics', '/v1/traces'])
  assert.ok(receiver.requests.every((r) => r.contentType.startsWith('application/json')), 'OTLP/HTTP with JSON bodies')
  assert.deepEqual(receiver.spanNames(), ['otlp test span'])
  assert.deepEqual(receiver.metricNames().sort(), ['wabridge.test.duration', 'wabridge.test.things'])
})
