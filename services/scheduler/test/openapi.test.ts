import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import { createLogger } from '@wabridge/telemetry'
import { ErrorBodySchema, ScheduledListSchema, ScheduledRequestSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import type { ScheduledApi, ScheduledState } from '../src/scheduled-api.ts'
import { buildServer } from '../src/server.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

/** Answers from a map: these tests are about HTTP, not Kafka. */
function memoryApi (): ScheduledApi {
  const states = new Map<string, ScheduledState>([
    ['p1', { request_id: 'p1', state: 'pending' as const, send_at: 1_800_000_000_000, at: null, partition: 0 }],
    ['r1', { request_id: 'r1', state: 'released' as const, send_at: 1_700_000_000_000, at: 1_700_000_000_100, partition: 1 }]
  ])
  return {
    get: async (id) => states.get(id),
    list: () => [{ partition: 0, state: 'ready', indexed: 1, later: 0, next_due_at: 1_800_000_000_000, boundary: null, last_scan_at: 1_700_000_000_000 }],
    cancel: async (id) => {
      const s = states.get(id)
      if (!s) return { outcome: 'not_found' }
      if (s.state === 'released') return { outcome: 'released', state: s }
      const cancelled = { ...s, state: 'cancelled' as const, at: 1_700_000_000_000 }
      states.set(id, cancelled)
      return { outcome: 'cancelled', state: cancelled }
    }
  }
}

function server (options: { adminToken?: string } = {}) {
  return buildServer({ logger: createLogger({ level: 'silent', name: 'scheduler-test' }), api: memoryApi(), checks: () => ({}), isStopping: () => false, host: '127.0.0.1', adminToken: options.adminToken })
}

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = server(); beforeRoutes(app); return app },
  broken: { path: '/v1/scheduled/{request_id}', method: 'delete', status: 200 }
})

test('GET /openapi.json is open; the answers fit their schemas; the token guards /v1', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))
  const refused = await app.inject({ method: 'GET', url: '/v1/scheduled' })
  assert.equal(refused.statusCode, 401)
  ErrorBodySchema.parse(refused.json())
  const auth = { authorization: 'Bearer adm1n' }
  ScheduledListSchema.parse((await app.inject({ method: 'GET', url: '/v1/scheduled', headers: auth })).json())
  const pending = ScheduledRequestSchema.parse((await app.inject({ method: 'GET', url: '/v1/scheduled/p1', headers: auth })).json())
  assert.equal(pending.send_at, new Date(1_800_000_000_000).toISOString())
  const cancelled = await app.inject({ method: 'DELETE', url: '/v1/scheduled/p1', headers: auth })
  assert.equal(ScheduledRequestSchema.parse(cancelled.json()).state, 'cancelled')
  const late = await app.inject({ method: 'DELETE', url: '/v1/scheduled/r1', headers: auth })
  assert.equal(late.statusCode, 409)
  assert.equal(ErrorBodySchema.parse(late.json()).error.code, 'SCHEDULER_ALREADY_RELEASED')
  const missing = await app.inject({ method: 'GET', url: '/v1/scheduled/nope', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'SCHEDULER_NOT_FOUND_REQUEST')
})
