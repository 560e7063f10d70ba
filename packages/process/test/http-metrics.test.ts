import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'
import { recordHttpRequests } from '../src/http-metrics.ts'

class TestReader extends MetricReader {
  protected override async onForceFlush (): Promise<void> {}
  protected override async onShutdown (): Promise<void> {}
}

/** `method route status` → requests counted, durations counted, and the largest duration's bucket sum. */
async function countedRequests (reader: MetricReader): Promise<Record<string, { requests: number, durations: number, seconds: number }>> {
  const { resourceMetrics } = await reader.collect()
  const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
  const points = (name: string) => (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>
  const out: Record<string, { requests: number, durations: number, seconds: number }> = {}
  const at = (p: DataPoint<number | Histogram>) => (out[`${String(p.attributes.method)} ${String(p.attributes.route)} ${String(p.attributes.status_code)}`] ??= { requests: 0, durations: 0, seconds: 0 })
  for (const p of points('wabridge.http.requests')) at(p).requests += p.value as number
  for (const p of points('wabridge.http.request.duration')) { at(p).durations += (p.value as Histogram).count; at(p).seconds += (p.value as Histogram).sum ?? 0 }
  return out
}

test('every answered request is counted and timed by method, route pattern and status code; a path\'s id is never a label', async (t) => {
  const reader = new TestReader()
  const app = Fastify()
  t.after(() => app.close())
  recordHttpRequests(app, new MeterProvider({ readers: [reader] }).getMeter('test'))
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/slow', async () => { await new Promise((resolve) => setTimeout(resolve, 120)); return { ok: true } })
  app.get('/broken', async () => { throw new Error('boom') })
  await app.ready()

  assert.equal((await app.inject({ method: 'GET', url: '/items/a-1' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/items/b-2' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/slow' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/broken' })).statusCode, 500)
  assert.equal((await app.inject({ method: 'GET', url: '/no/such/path-9' })).statusCode, 404)

  const counted = await countedRequests(reader)
  assert.deepEqual(Object.fromEntries(Object.entries(counted).map(([k, v]) => [k, [v.requests, v.durations]])), {
    'GET /items/:id 200': [2, 2],
    'POST /slow 200': [1, 1],
    'GET /broken 500': [1, 1],
    'GET unmatched 404': [1, 1]
  })
  assert.ok(counted['POST /slow 200']!.seconds >= 0.1, `the duration is the request's, in seconds: ${counted['POST /slow 200']!.seconds}`)
  assert.ok(counted['GET /items/:id 200']!.seconds < 0.1)
})
