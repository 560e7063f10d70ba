import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { SuppressionStore } from '@wabridge/outreach'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { Campaign } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import type { CampaignView } from '../src/campaign-view.ts'
import { CampaignListSchema, CampaignSchema, ErrorBodySchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { buildServer } from '../src/server.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc
const NOW = 1_780_000_000_000

const campaign: Campaign = {
  id: 'abc123',
  name: 'n',
  phone_number_id: '106540352242922',
  waba_id: null,
  state: 'draft',
  template_json: '{"name":"t","language":{"code":"en"}}',
  send_at: null,
  rate_cap_mps: null,
  window_start: null,
  window_end: null,
  end_by: null,
  default_region: null,
  metadata: {},
  audience_upload: null,
  audience_size: 0,
  audience_chunks: 0,
  invalid_rows: 0,
  duplicate_rows: 0,
  invalid_json: null,
  cursor: 0,
  queued: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  failed_by_code: {},
  suppressed: 0,
  skipped: 0,
  deferred: 0,
  held_until: null,
  recipient_states: null,
  created_at: NOW,
  started_at: null,
  finished_at: null,
  updated_at: NOW,
  last_command_id: 'c1',
  last_command_error: null
}

/** The HTTP layer alone: the view in memory, a command sender that applies at once; no Kafka. */
function server (options: { adminToken?: string } = {}) {
  const campaigns = new Map([[campaign.id, campaign]])
  const view: CampaignView = { get: (id) => campaigns.get(id), list: () => [...campaigns.values()], start: async () => {}, catchUp: async () => {}, stop: async () => {}, onChange: () => () => {} }
  const suppressions = { list: () => [], isSuppressed: () => undefined, size: 0, start: async () => {}, stop: async () => {}, add: async () => {}, remove: async () => false } as unknown as SuppressionStore
  return buildServer({
    logger: createLogger({ level: 'silent', name: 'campaigns-test' }),
    campaigns: {
      view,
      send: async (id, _pn, command) => {
        const c = campaigns.get(id) ?? campaign
        const next = { ...c, id, state: command === 'start' ? 'running' as const : c.state, last_command_error: command === 'resume' ? 'only a paused campaign can be resumed' : null }
        campaigns.set(id, next)
        return { applied: true, campaign: next }
      },
      audiences: { write: async () => ({ upload_id: 'u', size: 0, chunks: 0, invalid: 0, duplicates: 0, invalid_rows: [] }), load: async () => [] },
      clock: () => NOW,
      defaultRegion: undefined,
      wabaOf: () => undefined,
      readTopic: async () => [],
      maxAudienceBytes: 1024 * 1024
    },
    suppressions,
    wabaOf: () => undefined,
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
  broken: { path: '/v1/campaigns', method: 'post', status: 201 }
})

test('GET /openapi.json serves the document without the admin token; the answers fit its schemas', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))
  const refused = await app.inject({ method: 'GET', url: '/v1/campaigns' })
  assert.equal(refused.statusCode, 401)
  ErrorBodySchema.parse(refused.json())
  const auth = { authorization: 'Bearer adm1n' }
  CampaignListSchema.parse((await app.inject({ method: 'GET', url: '/v1/campaigns', headers: auth })).json())
  CampaignSchema.parse((await app.inject({ method: 'GET', url: '/v1/campaigns/abc123', headers: auth })).json())
  const missing = await app.inject({ method: 'GET', url: '/v1/campaigns/nope', headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'CAMPAIGNS_NOT_FOUND')
  const bad = await app.inject({ method: 'POST', url: '/v1/campaigns', headers: auth, payload: { name: 'x', phone_number_id: '+1650', template: { name: 't', language: 'en' } } })
  assert.equal(bad.statusCode, 400)
  assert.equal(ErrorBodySchema.parse(bad.json()).error.code, 'CAMPAIGNS_BAD_CAMPAIGN')
  const created = await app.inject({ method: 'POST', url: '/v1/campaigns', headers: auth, payload: { name: 'x', phone_number_id: '1', template: { name: 't', language: 'en' }, window: { start: '09:00', end: '20:00' } } })
  assert.equal(created.statusCode, 201)
  CampaignSchema.parse(created.json())
  const started = await app.inject({ method: 'POST', url: '/v1/campaigns/abc123/start', headers: auth })
  assert.equal(CampaignSchema.parse(started.json()).state, 'running')
  const refusedResume = await app.inject({ method: 'POST', url: '/v1/campaigns/abc123/resume', headers: auth })
  assert.equal(refusedResume.statusCode, 409)
  assert.equal(ErrorBodySchema.parse(refusedResume.json()).error.code, 'CAMPAIGNS_CONFLICT')
  const noFormat = await app.inject({ method: 'POST', url: '/v1/campaigns/abc123/audience', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'to\n+16502530000' })
  assert.equal(noFormat.statusCode, 409) // started above: no longer a draft
})
