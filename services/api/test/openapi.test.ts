import assert from 'node:assert/strict'
import { test } from 'node:test'
import { assertBrokenCopyRejected, assertErrorResponsesUseErrorBody, assertValidOpenApi, collectRoutes, documentedOperations, type OpenApiDoc } from '@wabridge/process/testing'
import { createLogger } from '@wabridge/telemetry'
import { createKeyStore } from '../src/key-store.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { createRequestView } from '../src/request-view.ts'
import { buildServer } from '../src/server.ts'
import { createRateLimiter } from '../src/token-bucket.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
  await assertValidOpenApi(document())
})

test('the validator rejects a broken document (the check above can fail)', async () => {
  await assertBrokenCopyRejected(document(), '/v1/messages', 'post', 202)
})

test('every route of the server is in the document, and every operation of the document is a route', async () => {
  const server = buildServer({
    logger: createLogger({ level: 'silent', name: 'api-test' }),
    maxBodyBytes: 1024,
    retryAfterS: 1,
    openApiDocument: {},
    messages: {
      keys: createKeyStore({ phoneWabas: {} }),
      hasKeys: () => true,
      limiter: createRateLimiter(Date.now),
      publisher: { publish: async () => { throw new Error('not in this test') } },
      view: createRequestView({ windowMs: 60_000, maxEntries: 10, clock: Date.now }),
      retryAfterS: 1
    },
    checks: () => ({}),
    isClosing: () => false
  })
  const routes = collectRoutes(server)
  await server.ready()
  assert.deepEqual(routes(), documentedOperations(document()))
  await server.close()
})

test('every error status of an operation is documented with the shared error body', () => {
  assertErrorResponsesUseErrorBody(document())
})
