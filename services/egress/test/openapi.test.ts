import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { compileErrors, validate } from '@readme/openapi-parser'
import type { NumberState } from '@wabridge/schemas'
import { registerAdminRoutes } from '../src/admin-routes.ts'
import type { Breaker } from '../src/circuit-breakers.ts'
import { buildHealthServer } from '../src/health.ts'
import { ErrorBodySchema, HealthBodySchema, NumbersSchema, ResumedSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'

type Doc = { openapi: string, paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }
const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as Doc

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
function build (t: TestContext, host: string, token: string | undefined, onRoute?: (method: string, url: string) => void) {
  const app = buildHealthServer({ isStopping: () => false, checks: () => ({ started: { ok: true } }) })
  if (onRoute) app.addHook('onRoute', (route) => { for (const m of [route.method].flat()) onRoute(m, route.url) })
  const resumed: string[] = []
  registerAdminRoutes(app, { host, token, version: '1.2.3', numbers: () => [NUMBER], resume: (id) => { resumed.push(id); return id === NUMBER.phone_number_id ? [BREAKER] : [] } })
  t.after(() => app.close())
  return { app, resumed }
}

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
  const doc = document()
  assert.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc) as never)
  assert.ok(result.valid, result.valid ? '' : compileErrors(result))
})

test('the validator rejects a broken document (the check above can fail)', async () => {
  const doc = document()
  doc.paths['/numbers']!.get!.responses = { 200: { content: {} } }
  assert.equal((await validate(structuredClone(doc) as never)).valid, false)
})

test('every route of the server is in the document, and every operation of the document is a route', async (t) => {
  const routes: string[] = []
  const { app } = build(t, '127.0.0.1', undefined, (method, url) => { if (method !== 'HEAD') routes.push(`${method} ${url.replace(/:(\w+)/g, '{$1}')}`) })
  await app.ready()
  const documented = Object.entries(document().paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  assert.deepEqual([...new Set(routes)].sort(), documented.sort())
})

test('every error status of an operation is documented with the shared error body', () => {
  let errors = 0
  for (const [path, ops] of Object.entries(document().paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || path === '/readyz') continue
        const schema = (response as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema
        assert.equal(schema.$ref, '#/components/schemas/ErrorBody', `${method} ${path} ${status}`)
        errors++
      }
    }
  }
  assert.equal(errors, 6)
})

test('/openapi.json is served without a token while the admin routes need it', async (t) => {
  const { app } = build(t, '0.0.0.0', 'egress-admin-token')
  const res = await app.inject('/openapi.json')
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^application\/json/)
  assert.deepEqual(res.json(), JSON.parse(JSON.stringify(document())))
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
