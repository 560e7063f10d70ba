import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import Fastify from 'fastify'
import { z } from 'zod'
import { adminGuardResponses, errorBody, errorBodySchema, errorResponses, healthRoutes, HealthBodySchema, openApiRoutes, toErrorAnswer, useErrorBody } from '../src/index.ts'
import { assertBrokenCopyRejected, assertServesDocument, assertErrorResponsesUseErrorBody, assertValidOpenApi, collectRoutes, documentedOperations, type OpenApiDoc } from '../src/testing.ts'

async function server (t: TestContext, ready: boolean) {
  const app = Fastify()
  useErrorBody(app, { prefix: 'TEST' })
  const routes = collectRoutes(app)
  await app.register(healthRoutes, { service: 'test', isStopping: () => false, checks: () => ({ kafka: { ok: ready, detail: { lag: 3 } } }) })
  app.get('/v1/things/:id', async () => ({}))
  t.after(() => app.close())
  await app.ready()
  return { app, routes }
}

/** A small valid document written by hand: one route answering the error body. */
function document (): OpenApiDoc {
  const ref = { $ref: '#/components/schemas/ErrorBody' }
  return {
    openapi: '3.1.0',
    info: { title: 'test', version: '1.0.0' },
    components: { schemas: { ErrorBody: { type: 'object' } } },
    paths: {
      '/v1/things/{id}': {
        get: {
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'A thing.' }, 404: { description: 'None.', content: { 'application/json': { schema: ref } } } }
        }
      },
      '/readyz': { get: { responses: { 503: { description: 'Not ready.', content: { 'application/json': { schema: { type: 'object' } } } } } } }
    }
  } as OpenApiDoc
}

test('HealthBodySchema takes what healthRoutes answers, ready or not, and refuses another status', async (t) => {
  for (const ready of [true, false]) {
    const { app } = await server(t, ready)
    for (const url of ['/healthz', '/readyz']) assert.ok(HealthBodySchema.safeParse((await app.inject(url)).json()).success, url)
  }
  assert.equal(HealthBodySchema.safeParse({ status: 'fine', service: 'test', checks: {} }).success, false)
})

test('errorBodySchema takes what errorBody, toErrorAnswer and the not-found handler answer, with extra fields typed', async (t) => {
  const schema = errorBodySchema({ codes: 'TEST_…', fields: { parameter: z.string().optional() } })
  assert.ok(schema.safeParse(errorBody('TEST_BAD', 'bad', { parameter: 'id', other: 1 })).success)
  assert.ok(schema.safeParse(toErrorAnswer(Object.assign(new Error('x'), { statusCode: 400, validation: [{ instancePath: '/a', message: 'm' }] }) as Error, { prefix: 'TEST' }).body).success)
  const { app } = await server(t, true)
  assert.ok(schema.safeParse((await app.inject('/nothing')).json()).success)
  assert.equal(schema.safeParse(errorBody('TEST_BAD', 'bad', { parameter: 7 })).success, false)
  assert.equal(schema.safeParse({ error: { message: 'no code' } }).success, false)
  assert.equal(z.globalRegistry.get(schema)?.id, 'ErrorBody')
  assert.equal(z.globalRegistry.get(HealthBodySchema)?.id, 'HealthBody')
})

test('errorResponses makes one response with the error body per status', () => {
  const schema = errorBodySchema({ codes: 'TEST_…' })
  const responses = errorResponses(schema, { 401: 'No token.', 403: 'Off loopback.' })
  assert.deepEqual(Object.keys(responses), ['401', '403'])
  assert.equal(responses[403].description, 'Off loopback.')
  assert.equal(responses[401].content['application/json'].schema, schema)
  const guard = adminGuardResponses(schema, { 401: 'No token.', 403: 'Off loopback.' })
  assert.deepEqual(guard[401].headers['WWW-Authenticate'].description, 'Bearer')
  assert.equal(guard[403].description, 'Off loopback.')
})

test('openApiRoutes serves the document; assertServesDocument passes it and fails another one', async (t) => {
  const app = Fastify()
  await app.register(openApiRoutes, { document: document() })
  t.after(() => app.close())
  await assertServesDocument(app, document())
  await assert.rejects(assertServesDocument(app, { ...document(), openapi: '3.0.0' }))
})

test('collectRoutes and documentedOperations list the same operations; a route the document lacks shows', async (t) => {
  const { routes } = await server(t, true)
  assert.deepEqual(routes(), ['GET /healthz', 'GET /readyz', 'GET /v1/things/{id}'])
  assert.deepEqual(documentedOperations(document()), ['GET /readyz', 'GET /v1/things/{id}'])
})

test('assertValidOpenApi passes a valid document and fails a broken copy; assertBrokenCopyRejected says so', async () => {
  await assertValidOpenApi(document())
  await assertBrokenCopyRejected(document(), '/v1/things/{id}', 'get', 200)
  const broken = document()
  broken.paths['/v1/things/{id}']!.get!.responses = { 200: { content: {} } }
  await assert.rejects(assertValidOpenApi(broken))
  await assert.rejects(assertBrokenCopyRejected(document(), '/v1/nothing', 'get', 200))
})

test('assertErrorResponsesUseErrorBody counts the error responses and fails on one without the ErrorBody', () => {
  assert.equal(assertErrorResponsesUseErrorBody(document()), 1)
  const doc = document()
  doc.paths['/v1/things/{id}']!.get!.responses[500] = { description: 'Other.', content: { 'application/json': { schema: { type: 'object' } } } }
  assert.throws(() => assertErrorResponsesUseErrorBody(doc), /get \/v1\/things\/\{id\} 500/)
  assert.throws(() => assertErrorResponsesUseErrorBody(document(), []), /get \/readyz 503/)
})
