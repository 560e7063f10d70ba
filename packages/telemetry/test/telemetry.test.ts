import assert from 'node:assert/strict'
import { test } from 'node:test'
import { metrics } from '@opentelemetry/api'
import { startTelemetry } from '../src/index.ts'

test('telemetry is off unless an exporter is configured', async () => {
  const handle = await startTelemetry({ serviceName: 'x' })
  assert.equal(handle.enabled, false)
  assert.equal(handle.prometheusUrl, undefined)
  const disabled = await startTelemetry({ serviceName: 'x', prometheusPort: 0, disabled: true })
  assert.equal(disabled.enabled, false)
})

test('the Prometheus endpoint serves counters recorded through the OpenTelemetry API', async () => {
  const handle = await startTelemetry({ serviceName: 'telemetry-test', prometheusPort: 0 })
  try {
    assert.ok(handle.prometheusUrl)
    metrics.getMeter('test').createCounter('wabridge_test_things', { description: 'things' }).add(3, { kind: 'a' })
    const res = await fetch(handle.prometheusUrl)
    assert.equal(res.status, 200)
    const body = await res.text()
    assert.match(body, /wabridge_test_things(_total)?\{[^}]*kind="a"[^}]*\} 3/)
  } finally {
    await handle.shutdown()
    await handle.shutdown()
  }
})

test('ensureTelemetry starts telemetry from a service config once and shutdownTelemetry stops it', async () => {
  const { ensureTelemetry, getTelemetryHandle, shutdownTelemetry } = await import('../src/index.ts')
  const first = await ensureTelemetry('ensure-test', { OTEL_SDK_DISABLED: false, PROMETHEUS_PORT: 0 })
  try {
    assert.equal(first.enabled, true)
    assert.ok(first.prometheusUrl)
    assert.equal(await ensureTelemetry('ensure-test', { PROMETHEUS_PORT: 0 }), first, 'a second call reuses the running handle')
  } finally {
    await shutdownTelemetry()
  }
  assert.equal(getTelemetryHandle(), undefined)
})
