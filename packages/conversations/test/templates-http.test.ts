import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { createDocument } from 'zod-openapi'
import { useErrorBody } from '@wabridge/process'
import { testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import { templateKey, type TemplateEntry } from '@wabridge/schemas'
import { TEMPLATE_PATHS, TemplateErrorBodySchema, TemplateJsonSchema, TemplateListSchema, templateRoutes, TemplateSyncAnswerSchema, type TemplateCatalogView, type WabaSyncResult } from '../src/templates/index.ts'

// The routes over an in-memory catalogue: these tests are about HTTP; templates-catalog.test.ts runs the real one.

const WABA = '102290129340398'
const AT = Date.parse('2026-12-06T10:00:00Z')
const entries: TemplateEntry[] = [
  { waba_id: WABA, name: 'order_update', language: 'en_US', template_id: '1', status: 'APPROVED', category: 'UTILITY', sub_category: null, parameter_format: 'POSITIONAL', components_json: '[{"type":"BODY","text":"Hi {{1}}"}]', quality_score: 'GREEN', reason: null, status_changed_at: AT, synced_at: AT, source: 'sync', updated_at: AT },
  { waba_id: WABA, name: 'promo', language: 'it', template_id: '2', status: 'PAUSED', category: 'MARKETING', sub_category: null, parameter_format: null, components_json: null, quality_score: 'RED', reason: 'FIRST_PAUSE', status_changed_at: AT, synced_at: null, source: 'message_template_status_update', updated_at: AT }
]

const view = {
  list: (waba?: string) => entries.filter((e) => waba === undefined || e.waba_id === waba),
  lookup: (waba: string, name: string, language: string) => entries.find((e) => templateKey(e.waba_id, e.name, e.language) === templateKey(waba, name, language)),
  languagesOf: (waba: string, name: string) => entries.filter((e) => e.waba_id === waba && e.name === name).map((e) => e.language)
} as unknown as TemplateCatalogView

const synced: Array<readonly string[] | undefined> = []
async function sync (wabas?: readonly string[]): Promise<WabaSyncResult[]> {
  synced.push(wabas)
  return (wabas ?? [WABA]).map((w) => ({ waba_id: w, ok: true, listed: 2, written: 1, removed: 0, unchanged: 1, changes: [{ key: `${w}:promo:it`, name: 'promo', language: 'it', change: 'written', status: 'APPROVED', previous_status: 'PAUSED' }], at: AT }))
}

function server () {
  const app = Fastify()
  useErrorBody(app, { prefix: 'CONVERSATIONS' })
  app.register(templateRoutes, { view, sync })
  return app
}

const document = () => createDocument({
  openapi: '3.1.0',
  info: { title: 'templates', version: '0.0.0' },
  components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
  paths: TEMPLATE_PATHS
}) as unknown as OpenApiDoc

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = Fastify(); beforeRoutes(app); app.register(templateRoutes, { view, sync }); return app },
  broken: { path: '/v1/templates', method: 'get', status: 200 }
})

test('GET /v1/templates lists and filters; GET one answers it or 404 with the languages known; POST sync answers what changed', async (t) => {
  const app = server()
  t.after(() => app.close())
  const all = TemplateListSchema.parse((await app.inject({ method: 'GET', url: '/v1/templates' })).json())
  assert.equal(all.count, 2)
  const paused = TemplateListSchema.parse((await app.inject({ method: 'GET', url: `/v1/templates?waba_id=${WABA}&status=paused` })).json())
  assert.deepEqual(paused.templates.map((x) => x.name), ['promo'])
  assert.equal(paused.templates[0]!.components, null)
  assert.equal((await app.inject({ method: 'GET', url: '/v1/templates?waba_id=abc' })).statusCode, 400)

  const one = TemplateJsonSchema.parse((await app.inject({ method: 'GET', url: `/v1/templates/${WABA}/order_update/en-US` })).json())
  assert.deepEqual(one.components, [{ type: 'BODY', text: 'Hi {{1}}' }])
  assert.equal(one.updated_at, new Date(AT).toISOString())
  const missing = await app.inject({ method: 'GET', url: `/v1/templates/${WABA}/order_update/pt_BR` })
  assert.equal(missing.statusCode, 404)
  const body = TemplateErrorBodySchema.parse(missing.json())
  assert.equal(body.error.code, 'CONVERSATIONS_TEMPLATE_NOT_FOUND')
  assert.match(body.error.message, /languages known: en_US/)

  const all2 = TemplateSyncAnswerSchema.parse((await app.inject({ method: 'POST', url: '/v1/templates/sync' })).json())
  assert.equal(all2.results[0]!.changes[0]!.previous_status, 'PAUSED')
  await app.inject({ method: 'POST', url: '/v1/templates/sync', payload: { waba_id: '42' } })
  assert.deepEqual(synced, [undefined, ['42']])
  assert.equal((await app.inject({ method: 'POST', url: '/v1/templates/sync', payload: { waba_id: 'x' } })).statusCode, 400)
})
