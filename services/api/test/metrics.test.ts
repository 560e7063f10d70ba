import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'
import { buildTestApi, fileCleanup, NUMBER_A1, textRequest, WABA_A } from './helpers.ts'

class TestReader extends MetricReader {
  protected override async onForceFlush (): Promise<void> {}
  protected override async onShutdown (): Promise<void> {}
}

const cleanup = fileCleanup()

/** `route status` → requests counted, and whether the duration histogram counted as many. */
async function counted (reader: TestReader): Promise<Record<string, { requests: number, durations: number }>> {
  const { resourceMetrics } = await reader.collect()
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
  const points = (name: string) => (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>
  const out: Record<string, { requests: number, durations: number }> = {}
  const at = (p: DataPoint<number | Histogram>) => (out[`${String(p.attributes.method)} ${String(p.attributes.route)} ${String(p.attributes.status_code)}`] ??= { requests: 0, durations: 0 })
  for (const p of points('wabridge.http.requests')) at(p).requests += p.value as number
  for (const p of points('wabridge.http.request.duration')) at(p).durations += (p.value as Histogram).count
  return out
}

test('each answered request is counted and timed by method, route pattern and status code, with no telemetry SDK (no http instrumentation)', async () => {
  const reader = new TestReader()
  const h = await buildTestApi(cleanup, { deps: { meter: new MeterProvider({ readers: [reader] }).getMeter('test') } })
  const { key } = await h.createKey({ wabas: [WABA_A] })
  const before = await counted(reader)

  assert.equal((await h.call('GET', '/healthz')).status, 200)
  assert.equal((await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })).status, 202)
  assert.equal((await h.call('POST', '/v1/messages', { key: null, body: textRequest(NUMBER_A1) })).status, 401)
  // A request id in the path is not a label: the route pattern is.
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status, 404)
  assert.equal((await h.call('GET', `/nothing/${randomUUID()}`, { key })).status, 404)

  const after = await counted(reader)
  const added = Object.fromEntries(Object.entries(after)
    .map(([k, v]) => [k, { requests: v.requests - (before[k]?.requests ?? 0), durations: v.durations - (before[k]?.durations ?? 0) }])
    .filter(([, v]) => (v as { requests: number }).requests > 0))
  assert.deepEqual(added, {
    'GET /healthz 200': { requests: 1, durations: 1 },
    'POST /v1/messages 202': { requests: 1, durations: 1 },
    'POST /v1/messages 401': { requests: 1, durations: 1 },
    'GET /v1/messages/:request_id 404': { requests: 1, durations: 1 },
    'GET unmatched 404': { requests: 1, durations: 1 }
  })
})
