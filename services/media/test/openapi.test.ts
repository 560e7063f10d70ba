import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { InboundMedia } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { ErrorBodySchema, InboundMediaSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { buildServer } from '../src/server.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

const READY: InboundMedia = {
  event_id: 'media:111',
  status: 'ready',
  message_id: 'wamid.1',
  media_id: '111',
  media_type: 'image',
  phone_number_id: '106540352242922',
  waba_id: null,
  wa_id: '15550001234',
  mime_type: 'image/jpeg',
  sha256: 'ab'.repeat(32),
  size: 10,
  storage_uri: 'file:///tmp/106540352242922/111.jpg',
  filename: null,
  failure: null,
  reason: null,
  attempts: 1,
  message_timestamp: 1_800_000_000_000,
  completed_at: 1_800_000_001_000
}

function server (options: { adminToken?: string } = {}) {
  return buildServer({ logger: createLogger({ level: 'silent', name: 'media-test' }), lookup: (id) => id === '111' ? READY : undefined, checks: () => ({}), isStopping: () => false, host: '127.0.0.1', adminToken: options.adminToken })
}

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = server(); beforeRoutes(app); return app },
  broken: { path: '/v1/media/{media_id}', method: 'get', status: 200 }
})

test('GET /openapi.json is open; the answers fit their schemas; the token guards /v1', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))
  const refused = await app.inject({ method: 'GET', url: '/v1/media/111' })
  assert.equal(refused.statusCode, 401)
  ErrorBodySchema.parse(refused.json())
  const auth = { authorization: 'Bearer adm1n' }
  const ok = InboundMediaSchema.parse((await app.inject({ method: 'GET', url: '/v1/media/111', headers: auth })).json())
  assert.equal(ok.completed_at, new Date(1_800_000_001_000).toISOString())
  assert.equal(ok.storage_uri, READY.storage_uri)
  const missing = await app.inject({ method: 'GET', url: '/v1/media/222', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'MEDIA_NOT_FOUND_MEDIA')
  const bad = await app.inject({ method: 'GET', url: '/v1/media/a%20b', headers: auth })
  assert.equal(bad.statusCode, 400)
})
