import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createLogger } from '@wabridge/telemetry'
import type { QueryView } from '../../src/api/query-view.ts'
import { buildServer } from '../../src/api/server.ts'
import { applyChangelog, createViewIndex } from '../../src/changelog/view-index.ts'

function build (t: TestContext, ready = true) {
  const index = createViewIndex()
  applyChangelog(index, 's/0/c|H|1795514400|bill|106540352242922|marketing_lite|regular', '4')
  applyChangelog(index, 's/0/n|106540352242922', '102290129340398|15550783881')
  const view: QueryView = {
    totals: () => index.totals,
    numbers: () => new Map([['106540352242922', { wabaId: '102290129340398', display: '15550783881' }]]),
    reach: () => ({ byNumber: new Map(), byWaba: new Map() }),
    alerts: () => []
  }
  const app = buildServer({ logger: createLogger({ level: 'silent', name: 'test' }), view, checks: () => ({ started: { ok: ready } }), isStopping: () => false, host: '127.0.0.1', adminToken: undefined })
  t.after(() => app.close())
  return app
}

test('GET /v1/usage answers with pricing_analytics-shaped data points', async (t) => {
  const res = await build(t).inject('/v1/usage?start=1795514400&end=1795518000&granularity=HALF_HOUR&waba_id=102290129340398')
  assert.equal(res.statusCode, 200)
  assert.deepStrictEqual(res.json().data, [{
    granularity: 'HALF_HOUR',
    data_points: [{ start: 1795514400, end: 1795516200, phone_number: '15550783881', phone_number_id: '106540352242922', pricing_category: 'MARKETING_LITE', pricing_type: 'REGULAR', volume: 4 }]
  }])
})

test('bad query parameters get a 400 naming the parameter', async (t) => {
  const app = build(t)
  const res = await app.inject('/v1/usage?start=1795514400&end=1795518000&granularity=WEEKLY')
  assert.equal(res.statusCode, 400)
  assert.deepStrictEqual(res.json(), { error: { code: 'METRICS_BAD_QUERY', message: 'granularity: must be one of HALF_HOUR, DAILY, MONTHLY', parameter: 'granularity' } })
  const missing = await app.inject('/v1/usage?end=1795518000')
  assert.equal(missing.statusCode, 400)
  assert.equal(missing.json().error.parameter, 'start')
  const alerts = await app.inject('/v1/alerts?state=firing')
  assert.equal(alerts.statusCode, 400)
  assert.equal(alerts.json().error.parameter, 'state')
})

test('/healthz always answers; /readyz is 503 until ready', async (t) => {
  const app = build(t, false)
  assert.equal((await app.inject('/healthz')).statusCode, 200)
  assert.equal((await app.inject('/readyz')).statusCode, 503)
  assert.deepStrictEqual((await build(t, false).inject('/readyz')).json(), { status: 'not_ready', service: 'metrics', checks: { started: { ok: false } } })
  assert.deepStrictEqual((await build(t, true).inject('/readyz')).json(), { status: 'ready', service: 'metrics', checks: { started: { ok: true } } })
})
