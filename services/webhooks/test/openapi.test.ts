import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyBaseLogger } from 'fastify'
import { assertServesDocument, testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import type { WebhookSubscription } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { WebhooksError } from '../src/errors.ts'
import { ErrorBodySchema, ReplayResultSchema, SubscriptionListSchema, SubscriptionSchema } from '../src/http-schemas.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { buildServer } from '../src/server.ts'
import type { SubscriptionAdmin } from '../src/subscription-admin.ts'
import { newSubscription, rotateSecret, setEnabled } from '../src/subscriptions.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

/** The subscription operations in memory: these tests are about HTTP, not Kafka. */
function memoryAdmin (now: () => number): SubscriptionAdmin {
  const subs = new Map<string, WebhookSubscription>()
  const get = (id: string) => {
    const sub = subs.get(id)
    if (sub === undefined) throw new WebhooksError('WEBHOOKS_NOT_FOUND', `no subscription ${id}`)
    return sub
  }
  const put = (sub: WebhookSubscription) => { subs.set(sub.subscription_id, sub); return sub }
  return {
    list: () => [...subs.values()],
    get,
    add: async (input) => put(newSubscription(input, now())),
    remove: async (id) => { get(id); subs.delete(id) },
    rotateSecret: async (id, graceMs) => put(rotateSecret(get(id), now(), graceMs ?? 1000)),
    setEnabled: async (id, enabled) => put(setEnabled(get(id), enabled, now())),
    replay: async (id) => { get(id); return { scanned: 0, replayed: 0 } }
  }
}

function server (options: { adminToken?: string } = {}) {
  return buildServer({
    logger: createLogger({ level: 'silent', name: 'webhooks-test' }) as FastifyBaseLogger,
    host: '127.0.0.1',
    adminToken: options.adminToken,
    admin: memoryAdmin(() => 1_700_000_000_000),
    checks: () => ({}),
    isClosing: () => false
  })
}

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => { const app = server(); beforeRoutes(app); return app },
  broken: { path: '/v1/subscriptions', method: 'post', status: 201 }
})

test('GET /openapi.json serves the document without the admin token; the answers fit its schemas', async (t) => {
  const app = server({ adminToken: 'adm1n' })
  t.after(() => app.close())
  await assertServesDocument(app, buildOpenApiDocument({ version: '0.1.0' }))

  const refused = await app.inject({ method: 'GET', url: '/v1/subscriptions' })
  assert.equal(refused.statusCode, 401)
  assert.equal(ErrorBodySchema.parse(refused.json()).error.code, 'WEBHOOKS_UNAUTHORIZED')

  const auth = { authorization: 'Bearer adm1n' }
  const bad = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url: 'https://crm.example.com/x', event_types: ['message.sent'] } })
  assert.equal(bad.statusCode, 400)
  assert.equal(ErrorBodySchema.parse(bad.json()).error.code, 'WEBHOOKS_INVALID_SUBSCRIPTION')
  const created = await app.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url: 'https://crm.example.com/x', phone_number_ids: ['106540352242922'] } })
  assert.equal(created.statusCode, 201)
  const sub = SubscriptionSchema.parse(created.json())
  const one = `/v1/subscriptions/${sub.subscription_id}`
  assert.equal(SubscriptionListSchema.parse((await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth })).json()).subscriptions.length, 1)
  SubscriptionSchema.parse((await app.inject({ method: 'GET', url: one, headers: auth })).json())
  assert.equal(SubscriptionSchema.parse((await app.inject({ method: 'POST', url: `${one}/rotate-secret`, headers: auth })).json()).secrets.length, 2)
  assert.equal(SubscriptionSchema.parse((await app.inject({ method: 'POST', url: `${one}/disable`, headers: auth })).json()).enabled, false)
  assert.equal(SubscriptionSchema.parse((await app.inject({ method: 'POST', url: `${one}/enable`, headers: auth })).json()).enabled, true)
  ReplayResultSchema.parse((await app.inject({ method: 'POST', url: `${one}/replay`, headers: auth, payload: { dry_run: true } })).json())
  assert.equal((await app.inject({ method: 'DELETE', url: one, headers: auth })).statusCode, 204)
  const missing = await app.inject({ method: 'POST', url: `${one}/enable`, headers: auth })
  assert.equal(missing.statusCode, 404)
  assert.equal(ErrorBodySchema.parse(missing.json()).error.code, 'WEBHOOKS_NOT_FOUND')
})
