import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validate, compileErrors } from '@readme/openapi-parser'
import { createLogger } from '@wabridge/telemetry'
import { createKeyStore } from '../src/key-store.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { createRequestView } from '../src/request-view.ts'
import { buildServer } from '../src/server.ts'
import { createRateLimiter } from '../src/token-bucket.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as { openapi: string, paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }

test('the OpenAPI document is valid OpenAPI 3.1', async () => {
  const doc = document()
  assert.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc) as never)
  assert.ok(result.valid, result.valid ? '' : compileErrors(result))
})

test('the validator rejects a broken document (the check above can fail)', async () => {
  const doc = document()
  doc.paths['/v1/messages']!.post!.responses = { 202: { content: {} } }
  assert.equal((await validate(structuredClone(doc) as never)).valid, false)
})

test('every route of the server is in the document, and every operation of the document is a route', async () => {
  const routes: string[] = []
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
  server.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
  })
  await server.ready()
  const documented = Object.entries(document().paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
  assert.deepEqual([...new Set(routes)].sort(), documented.sort())
  await server.close()
})

test('every error status of an operation is documented with the shared error body', () => {
  for (const [path, ops] of Object.entries(document().paths)) {
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400 || path === '/readyz') continue
        const schema = (response as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema
        assert.equal(schema.$ref, '#/components/schemas/ErrorBody', `${method} ${path} ${status}`)
      }
    }
  }
})
