import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { NumberState } from '@wabridge/schemas'
import { registerAdminRoutes } from '../src/admin-routes.ts'
import type { Breaker } from '../src/circuit-breakers.ts'
import { buildHealthServer } from '../src/health.ts'
import { ErrorBodySchema, HealthBodySchema, NumbersSchema, ResumedSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

const NUMBER: NumberState = {
  phone_number_id: '106540352242922',
  waba_id: '102290129340398',
  instance: 'egress-1',
  state: 'open',
  breaker_scope: 'number',
  breaker_code: 131042,
  breaker_reason: 'payment issue',
  open_since: 1795514400000,
  next_probe_at: 1795514430000,
  probes: 0,
  rate_mps: 80,
  rate_source: 'configured',
  throughput_level: null,
  backlog: 3,
  updated_at: 1795514401000
}

const BREAKER: Breaker = {
  key: 'number:106540352242922',
  scope: 'number',
  target: '106540352242922',
  trippedBy: '106540352242922',
  code: 131042,
  reason: 'payment issue',
  since: 1795514400000,
  probes: 0,
  nextProbeAt: 1795514430000,
  probing: false,
  floorMs: 0
}

/** The server as app.ts builds it: the health server with the admin routes on it. */
function build (t: TestContext, host: string, token: string | undefined, beforeRoutes?: (app: FastifyInstance) => void) {
  const app = buildHealthServer({ isStopping: () => false, checks: () => ({ started: { ok: true } }) })
  beforeRoutes?.(app)
  const resumed: string[] = []
  registerAdminRoutes(app, { host, token, version: '1.2.3', numbers: () => [NUMBER], resume: (id) => { resumed.push(id); return id === NUMBER.phone_number_id ? [BREAKER] : [] } })
  t.after(() => app.close())
  return { app, resumed }
}

testOpenApiContract({
  document,
  server: (t, beforeRoutes) => build(t, '127.0.0.1', undefined, beforeRoutes).app,
  broken: { path: '/numbers', method: 'get', status: 200 },
  errorResponses: 6
})

test('/openapi.json is served without a token while the admin routes need it', async (t) => {
  const { app } = build(t, '0.0.0.0', 'egress-admin-token')
  await assertServesDocument(app, document())
  for (const [method, url] of [['GET', '/numbers'], ['POST', '/numbers/1/resume']] as const) {
    const refused = await app.inject({ method, url })
    assert.equal(refused.statusCode, 401, url)
    assert.ok(ErrorBodySchema.safeParse(refused.json()).success, url)
  }
  const { app: closed } = build(t, '0.0.0.0', undefined)
  assert.equal((await closed.inject('/openapi.json')).statusCode, 200)
  const missing = await closed.inject('/numbers')
  assert.equal(missing.statusCode, 403)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'EGRESS_ADMIN_TOKEN_MISSING')
})

test('the answers of the routes match the schemas of the document', async (t) => {
  const { app, resumed } = build(t, '127.0.0.1', undefined)
  assert.deepEqual(NumbersSchema.parse((await app.inject('/numbers')).json()).numbers, [NUMBER])
  const res = await app.inject({ method: 'POST', url: `/numbers/${NUMBER.phone_number_id}/resume` })
  assert.equal(res.statusCode, 200)
  assert.deepEqual(ResumedSchema.parse(res.json()).resumed, [{ key: BREAKER.key, code: BREAKER.code, since: BREAKER.since }])
  assert.deepEqual(ResumedSchema.parse((await app.inject({ method: 'POST', url: '/numbers/999/resume' })).json()).resumed, [])
  assert.deepEqual(resumed, [NUMBER.phone_number_id, '999'])
  // The id the route takes is the one the document declares: 1 to 128 characters.
  const long = await app.inject({ method: 'POST', url: `/numbers/${'9'.repeat(129)}/resume` })
  assert.equal(long.statusCode, 400)
  assert.deepEqual(ErrorBodySchema.parse(long.json()).error.code, 'EGRESS_BAD_REQUEST')
  assert.equal(long.json().error.parameter, 'id')
  assert.deepEqual(resumed, [NUMBER.phone_number_id, '999'])
  const empty = await app.inject({ method: 'POST', url: '/numbers//resume' })
  assert.equal(empty.statusCode, 400)
  assert.equal(ErrorBodySchema.parse(empty.json()).error.parameter, 'id')
  // Longer than the router takes: 414, with the shared body too.
  const tooLong = await app.inject({ method: 'POST', url: `/numbers/${'9'.repeat(513)}/resume` })
  assert.equal(tooLong.statusCode, 414)
  assert.equal(ErrorBodySchema.parse(tooLong.json()).error.code, 'EGRESS_URI_TOO_LONG')
  assert.equal(resumed.length, 2)
  assert.ok(HealthBodySchema.safeParse((await app.inject('/readyz')).json()).success)
  assert.ok(ErrorBodySchema.safeParse((await app.inject('/nothing')).json()).success)
})
