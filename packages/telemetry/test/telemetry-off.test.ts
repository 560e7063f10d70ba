import assert from 'node:assert/strict'
import { test } from 'node:test'
import { metrics, trace } from '@opentelemetry/api'
import { ensureTelemetry, shutdownTelemetry, startTelemetry } from '../src/index.ts'
import { startOtlpReceiver } from './helpers/otlp-receiver.ts'

const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort()

test('telemetry off starts nothing: no server, no timer, no global provider, nothing sent', async (t) => {
  const receiver = await startOtlpReceiver(t)
  const before = resources()
  const handles = [
    await startTelemetry({ serviceName: 'off' }),
    await startTelemetry({ serviceName: 'off', disabled: true, prometheusPort: 0, otlpEndpoint: receiver.url }),
    await ensureTelemetry('off', { OTEL_SDK_DISABLED: true, PROMETHEUS_PORT: 0, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })
  ]
  for (const handle of handles) {
    assert.equal(handle.enabled, false)
    assert.equal(handle.prometheusUrl, undefined)
    assert.deepEqual(handle.instrumentations, [])
  }
  assert.deepEqual(resources(), before, 'no socket, server or timer was opened')

  // Instruments and spans are the API's no-ops: nothing records, nothing is exported.
  const span = trace.getTracer('off').startSpan('off span')
  assert.equal(span.isRecording(), false)
  span.end()
  const counter = metrics.getMeter('off').createCounter('wabridge.off.things')
  assert.equal(counter.constructor.name, 'NoopCounterMetric')
  counter.add(1)
  await shutdownTelemetry()
  for (const handle of handles) await handle.shutdown()
  assert.deepEqual(receiver.requests, [])
  assert.deepEqual(resources(), before)
})
