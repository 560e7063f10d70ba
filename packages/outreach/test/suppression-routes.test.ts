import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import { createDocument } from 'zod-openapi'
import { errorBodySchema, useErrorBody } from '@wabridge/process'
import { testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import { suppressionKey } from '@wabridge/schemas'
import { suppressionPaths, suppressionRoutes, toSuppressionFailure, type SuppressionStore } from '../src/index.ts'
import { manualClock, PHONE, startStore, WABA, wabaOf } from './helpers.ts'

const ErrorBody = errorBodySchema({ codes: 'SUPPRESSION_INVALID, SUPPRESSION_NOT_FOUND, TEST_INTERNAL' })

/** The service edge the campaigns service gives the routes: the shared error body with the routes' own codes. */
function buildApp (t: TestContext, store: SuppressionStore, clock: () => number, beforeRoutes?: (app: FastifyInstance) => void): FastifyInstance {
  const app = Fastify()
  t.after(() => app.close())
  useErrorBody(app, { prefix: 'TEST', toFailure: toSuppressionFailure })
  beforeRoutes?.(app)
  suppressionRoutes(app, { store, clock, wabaOf })
  return app
}

const document = () => createDocument({
  openapi: '3.1.0',
  info: { title: 'suppressions', version: '0.1.0' },
  paths: suppressionPaths({ errorBody: ErrorBody, errors: { 500: { description: 'Kafka did not take it (TEST_INTERNAL).', content: { 'application/json': { schema: ErrorBody } } } } })
}) as unknown as OpenApiDoc

testOpenApiContract({
  document,
  server: (t, beforeRoutes) => buildApp(t, {} as SuppressionStore, Date.now, beforeRoutes),
  broken: { path: '/v1/suppressions', method: 'post', status: 400 },
  errorResponses: 6
})

test('POST, GET and DELETE /v1/suppressions write, list and lift suppressions through the store', async (t) => {
  const clock = manualClock()
  const { store } = await startStore(t, { clock: clock.now })
  const app = buildApp(t, store, clock.now)

  const byNumber = await app.inject({ method: 'POST', url: '/v1/suppressions', payload: { phone_number_id: PHONE, to: '+1 650-555-1234', source: 'crm', created_by: 'ann' } })
  assert.equal(byNumber.statusCode, 201, byNumber.body)
  assert.deepEqual(byNumber.json(), { scope: WABA, wa_id: '16505551234', reason: 'manual', source: 'crm', created_at: clock.now(), expires_at: null, created_by: 'ann', active: true })
  assert.equal(store.isSuppressed(WABA, '16505551234')?.source, 'crm')

  const until = '2026-12-02T10:00:00Z'
  const byScope = await app.inject({ method: 'POST', url: '/v1/suppressions', payload: { scope: 'phone:42', wa_id: '393471234567', reason: 'marketing_limit', expires_at: until } })
  assert.equal(byScope.statusCode, 201, byScope.body)
  assert.equal(byScope.json().expires_at, Date.parse(until))
  assert.equal(byScope.json().source, 'api')

  const listed = await app.inject({ method: 'GET', url: '/v1/suppressions?reason=marketing_limit' })
  assert.equal(listed.statusCode, 200)
  assert.deepEqual(listed.json().suppressions.map((s: { wa_id: string }) => s.wa_id), ['393471234567'])
  assert.equal((await app.inject({ method: 'GET', url: `/v1/suppressions?scope=${WABA}&limit=5` })).json().suppressions.length, 1)

  const removed = await app.inject({ method: 'DELETE', url: `/v1/suppressions/${WABA}/16505551234` })
  assert.equal(removed.statusCode, 204)
  assert.equal(store.get(WABA, '16505551234'), undefined)
  const again = await app.inject({ method: 'DELETE', url: `/v1/suppressions/${WABA}/16505551234` })
  assert.equal(again.statusCode, 404)
  assert.equal(again.json().error.code, 'SUPPRESSION_NOT_FOUND')
  // A scope with ':' (phone:{id}) in the path, percent-encoded.
  assert.equal((await app.inject({ method: 'DELETE', url: `/v1/suppressions/${encodeURIComponent('phone:42')}/393471234567` })).statusCode, 204)
  assert.equal(store.size, 0)
  assert.equal(suppressionKey('phone:42', '393471234567'), 'phone:42:393471234567')
})

test('bad suppression requests are refused with 400 naming the problem', async (t) => {
  const clock = manualClock()
  const { store } = await startStore(t, { clock: clock.now })
  const app = buildApp(t, store, clock.now)
  const refuse = async (payload: unknown, pattern: RegExp) => {
    const r = await app.inject({ method: 'POST', url: '/v1/suppressions', payload: payload as object })
    assert.equal(r.statusCode, 400, r.body)
    assert.equal(r.json().error.code, 'SUPPRESSION_INVALID')
    assert.match(r.json().error.message, pattern)
  }
  await refuse({ wa_id: '16505551234' }, /exactly one of scope and phone_number_id/)
  await refuse({ scope: WABA, wa_id: '16505551234', to: '+16505551234' }, /exactly one of wa_id and to/)
  await refuse({ scope: WABA, wa_id: '16505551234', reason: 'bored' }, /reason/)
  await refuse({ scope: WABA, wa_id: '16505551234', expires_at: 'tomorrow' }, /expires_at/)
  await refuse({ scope: WABA, wa_id: '16505551234', expires_at: clock.now() - 1 }, /expires_at: must be in the future/)
  await refuse({ scope: WABA, to: 'call me maybe' }, /to: not a phone number/)
  const badLimit = await app.inject({ method: 'GET', url: '/v1/suppressions?limit=0' })
  assert.equal(badLimit.statusCode, 400)
  assert.equal(store.size, 0)
})
