import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { httpRequestsProbe } from '@wabridge/process/testing'
import { buildTestApi, fileCleanup, NUMBER_A1, textRequest, WABA_A } from './helpers.ts'

const cleanup = fileCleanup()

test('each answered request is counted and timed by method, route pattern and status code, with no telemetry SDK (no http instrumentation)', async () => {
  const probe = httpRequestsProbe()
  const h = await buildTestApi(cleanup, { deps: { meter: probe.meter } })
  const { key } = await h.createKey({ wabas: [WABA_A] })
  const before = await probe.counted()

  assert.equal((await h.call('GET', '/healthz')).status, 200)
  assert.equal((await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })).status, 202)
  assert.equal((await h.call('POST', '/v1/messages', { key: null, body: textRequest(NUMBER_A1) })).status, 401)
  // A request id in the path is not a label: the route pattern is.
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status, 404)
  assert.equal((await h.call('GET', `/nothing/${randomUUID()}`, { key })).status, 404)

  const after = await probe.counted()
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
