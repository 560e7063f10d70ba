import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { Silence } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { ErrorBodySchema, SilenceListSchema, SilenceSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { buildServer } from '../src/server.ts'
import type { SilenceStore } from '../src/silences.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

/** A silence store in memory: these tests are about HTTP, not Kafka. */
function memoryStore (clock: () => number): SilenceStore {
  const all = new Map<string, Silence>()
  let next = 0
  return {
    apply: () => {},
    isSilenced: () => false,
    list: () => [...all.values()].reverse(),
    get: (id) => all.get(id),
    add: async (input) => {
      const s: Silence = { id: `s${++next}`, matchers: input.matchers, starts_at: input.startsAt ?? clock(), ends_at: input.endsAt, created_by: input.createdBy ?? '', comment: input.comment ?? '', updated_at: clock() }
      all.set(s.id, s)
      return s
    },
    expire: async (id) => {
      const s = all.get(id)
      if (!s) return undefined
      const expired = { ...s, ends_at: clock(), updated_at: clock() }
      all.set(id, expired)
      return expired
    }
  }
}

function server (options: { adminToken?: string } = {}) {
  const clock = () => 1_700_000_000_000
  return buildServer({
    logger: createLogger({ level: 'silent', name: 'notifier-test' }),
    silences: memoryStore(clock),
    clock,
    checks: () => ({}),
    isStopping: () => false,
    host: '127.0.0.1',
    adminToken: options.adminToken
  })
}

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = server(); beforeRoutes(app); return app },
  broken: { path: '/v1/silences', method: 'post', status: 201 }
})

test('GET /openapi.json serves the document without the admin token; the answers fit its schemas', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))

  const refused = await app.inject({ method: 'GET', url: '/v1/silences' })
  assert.equal(refused.statusCode, 401)
  ErrorBodySchema.parse(refused.json())

  const auth = { authorization: 'Bearer adm1n' }
  const bad = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth, payload: { matchers: ['name'], duration_ms: 1000 } })
  assert.equal(bad.statusCode, 400)
  assert.equal(ErrorBodySchema.parse(bad.json()).error.code, 'NOTIFIER_BAD_SILENCE')
  const created = await app.inject({ method: 'POST', url: '/v1/silences', headers: auth, payload: { matchers: ['severity=critical', { name: 'scope', op: 're', value: 'waba:.*' }], duration_ms: 60_000 } })
  assert.equal(created.statusCode, 201)
  const silence = SilenceSchema.parse(created.json())
  assert.deepEqual(silence.matchers, [{ name: 'severity', op: 'eq', value: 'critical' }, { name: 'scope', op: 're', value: 'waba:.*' }])
  assert.equal(SilenceListSchema.parse((await app.inject({ method: 'GET', url: '/v1/silences?all=true', headers: auth })).json()).silences.length, 1)
  const missing = await app.inject({ method: 'GET', url: '/v1/silences/nope', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'NOTIFIER_SILENCE_NOT_FOUND')
  const expired = await app.inject({ method: 'DELETE', url: `/v1/silences/${silence.id}`, headers: auth })
  assert.equal(SilenceSchema.parse(expired.json()).state, 'expired')
})
