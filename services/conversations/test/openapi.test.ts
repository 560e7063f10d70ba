import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import { CSW_DURATION_MS, type CustomerWindow } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { ErrorBodySchema, WindowAnswerSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { buildServer } from '../src/server.ts'

const NOW = 1_800_000_000_000
const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

/** One known pair, answered from memory: these tests are about HTTP, not Kafka. */
const known: CustomerWindow = {
  phone_number_id: '1065',
  wa_id: '15550001111',
  last_inbound_at: NOW - 3600_000,
  last_inbound_id: 'wamid.1',
  csw_expires_at: NOW - 3600_000 + CSW_DURATION_MS,
  referral_at: null,
  fep_opened_at: null,
  fep_expires_at: null,
  updated_at: NOW - 3600_000
}

function server (options: { adminToken?: string } = {}) {
  return buildServer({
    logger: createLogger({ level: 'silent', name: 'conversations-test' }),
    windows: { lookup: (pn, waId) => pn === known.phone_number_id && waId === known.wa_id ? known : undefined },
    clock: () => NOW,
    checks: () => ({}),
    isStopping: () => false,
    host: '127.0.0.1',
    adminToken: options.adminToken
  })
}

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = server(); beforeRoutes(app); return app },
  broken: { path: '/v1/windows/{phone_number_id}/{wa_id}', method: 'get', status: 200 }
})

test('GET /v1/windows: the token guards it, a known pair is open, an unknown one closed, +E.164 works, bad ids 400', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))
  const refused = await app.inject({ method: 'GET', url: '/v1/windows/1065/15550001111' })
  assert.equal(refused.statusCode, 401)
  assert.equal(ErrorBodySchema.parse(refused.json()).error.code, 'CONVERSATIONS_UNAUTHORIZED')
  const headers = { authorization: 'Bearer adm1n' }
  const open = WindowAnswerSchema.parse((await app.inject({ method: 'GET', url: '/v1/windows/1065/%2B15550001111', headers })).json())
  assert.deepEqual(open, {
    phone_number_id: '1065',
    wa_id: '15550001111',
    csw: { open: true, last_inbound_at: new Date(NOW - 3600_000).toISOString(), closes_at: new Date(NOW - 3600_000 + CSW_DURATION_MS).toISOString() },
    fep: { open: false, opened_at: null, closes_at: null }
  })
  const unknown = await app.inject({ method: 'GET', url: '/v1/windows/1065/15559999999', headers })
  assert.equal(unknown.statusCode, 200)
  assert.deepEqual(WindowAnswerSchema.parse(unknown.json()).csw, { open: false, last_inbound_at: null, closes_at: null })
  const bad = await app.inject({ method: 'GET', url: '/v1/windows/10x5/1555', headers })
  assert.equal(bad.statusCode, 400)
  assert.equal(ErrorBodySchema.parse(bad.json()).error.code, 'CONVERSATIONS_BAD_PAIR')
})
