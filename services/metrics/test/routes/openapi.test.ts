import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { Alert } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { AlertsSchema, ErrorBodySchema, UsageReportSchema } from '../../src/api/http-schemas.ts'
import { buildOpenApiDocument } from '../../src/api/openapi.ts'
import type { QueryView } from '../../src/api/query-view.ts'
import { buildServer } from '../../src/api/server.ts'
import { applyChangelog, createViewIndex } from '../../src/changelog/view-index.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

const ALERT: Alert = {
  alert_id: 'send_rate:106540352242922:1795514400000',
  name: 'send_rate',
  scope: '106540352242922',
  phone_number_id: '106540352242922',
  waba_id: '102290129340398',
  state: 'firing',
  severity: 'warning',
  value: 75,
  threshold: 70,
  message: 'send rate at 75 % of the limit',
  fired_at: 1795514400000,
  at: 1795514400000,
  labels: { rule: 'send_rate' }
}

function build (t: TestContext, host = '127.0.0.1', adminToken: string | undefined = undefined, beforeRoutes?: (app: FastifyInstance) => void) {
  const index = createViewIndex()
  applyChangelog(index, 's/0/c|H|1795514400|billm|106540352242922|marketing_lite|regular:IN', '4')
  applyChangelog(index, 's/0/c|H|1795514400|in|106540352242922|text|', '2')
  const view: QueryView = {
    totals: () => index.totals,
    numbers: () => new Map([['106540352242922', { wabaId: '102290129340398', display: '15550783881' }]]),
    reach: () => ({ byNumber: new Map([['106540352242922', 3]]), byWaba: new Map([['102290129340398', 3]]), byPortfolio: new Map([['102290129340398', 3]]) }),
    alerts: () => [ALERT]
  }
  const app = buildServer({ logger: createLogger({ level: 'silent', name: 'test' }), view, checks: () => ({ started: { ok: true } }), isStopping: () => false, host, adminToken, version: '1.2.3' })
  beforeRoutes?.(app)
  t.after(() => app.close())
  return app
}

testOpenApiContract({
  document,
  server: (t, beforeRoutes) => build(t, '127.0.0.1', undefined, beforeRoutes),
  broken: { path: '/v1/usage', method: 'get', status: 200 },
  errorResponses: 6
})

test('/openapi.json is served without a token while /v1/* need it', async (t) => {
  const app = build(t, '0.0.0.0', 'metrics-admin-token')
  await assertServesDocument(app, document())
  const refused = await app.inject('/v1/alerts')
  assert.equal(refused.statusCode, 401)
  assert.ok(ErrorBodySchema.safeParse(refused.json()).success)
})

test('the answers of the routes match the schemas of the document', async (t) => {
  const app = build(t)
  const usage = await app.inject('/v1/usage?start=1795514400&end=1795518000&granularity=HALF_HOUR')
  assert.equal(usage.statusCode, 200)
  const report = UsageReportSchema.parse(usage.json())
  assert.equal(report.data[0]!.data_points.length, 1)
  assert.equal(report.counts.data_points[0]!.inbound_messages.total, 2)
  const alerts = await app.inject('/v1/alerts')
  assert.deepEqual(AlertsSchema.parse(alerts.json()).data, [ALERT])
  // The schemas are strict enough to notice a wrong shape.
  assert.equal(UsageReportSchema.safeParse({ ...(usage.json() as object), counts: [] }).success, false)
  for (const url of ['/v1/usage?start=x&end=1795518000', '/v1/usage?end=1795518000', '/v1/alerts?state=firing', '/v1/nothing']) {
    const res = await app.inject(url)
    assert.ok(res.statusCode >= 400, url)
    assert.ok(ErrorBodySchema.safeParse(res.json()).success, url)
  }
  assert.equal((await app.inject('/v1/alerts?state=firing')).json().error.parameter, 'state')
})
