/**
 * Helpers for the OpenAPI tests of the parts (the `@wabridge/process/testing` entry; only tests
 * import it): the routes a fastify server registers, the operations of a document, validation with
 * @readme/openapi-parser, and the check that every error response refers to the shared ErrorBody.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { compileErrors, validate } from '@readme/openapi-parser'
import type { FastifyInstance } from 'fastify'

/** The shape of a generated document these helpers read. */
export interface OpenApiDoc {
  openapi: string
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
}

/**
 * Records every route the server registers from now on (call it before `ready()`); the returned
 * function lists them as "METHOD /path/{param}", HEAD left out, sorted and without repeats.
 */
export function collectRoutes (app: FastifyInstance): () => string[] {
  const routes = new Set<string>()
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.add(`${method} ${route.url.replace(/:(\w+)/g, '{$1}')}`)
  })
  return () => [...routes].sort()
}

/** The document's operations as "METHOD /path/{param}", sorted (to compare with collectRoutes). */
export function documentedOperations (doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort()
}

/** Asserts the document is valid OpenAPI 3.1 (the validator's errors are the failure message). */
export async function assertValidOpenApi (doc: OpenApiDoc): Promise<void> {
  assert.equal(doc.openapi, '3.1.0')
  const result = await validate(structuredClone(doc) as never)
  assert.ok(result.valid, result.valid ? '' : compileErrors(result))
}

/**
 * Asserts the validator rejects a copy of the document whose operation `method path` answers
 * `status` without a description (so the check of assertValidOpenApi can fail).
 */
export async function assertBrokenCopyRejected (doc: OpenApiDoc, path: string, method: string, status: number): Promise<void> {
  const broken = structuredClone(doc)
  const operation = broken.paths[path]?.[method]
  assert.ok(operation, `${method} ${path} is not in the document`)
  operation.responses = { [status]: { content: {} } }
  assert.equal((await validate(broken as never)).valid, false)
}

/**
 * Asserts every response of status 400 and above refers to the component ErrorBody as its JSON
 * content, the paths in `except` left out (e.g. /readyz, whose 503 is the health body). Returns
 * how many were checked.
 */
export function assertErrorResponsesUseErrorBody (doc: OpenApiDoc, except: string[] = ['/readyz']): number {
  let checked = 0
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (except.includes(path)) continue
    for (const [method, op] of Object.entries(ops)) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        const schema = (response as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema
        assert.equal(schema.$ref, '#/components/schemas/ErrorBody', `${method} ${path} ${status}`)
        checked++
      }
    }
  }
  return checked
}

/** Asserts GET /openapi.json answers 200 with the document as JSON (`document` as built, before serialisation). */
export async function assertServesDocument (app: FastifyInstance, document: unknown): Promise<void> {
  const served = await app.inject({ method: 'GET', url: '/openapi.json' })
  assert.equal(served.statusCode, 200)
  assert.match(String(served.headers['content-type']), /^application\/json/)
  assert.deepEqual(served.json(), JSON.parse(JSON.stringify(document)))
}

/** What testOpenApiContract checks a part's document against. */
export interface OpenApiContract {
  /** Builds the document. */
  document: () => OpenApiDoc
  /** Builds the server with every route, calling `beforeRoutes` on it before the routes are added (not ready yet). */
  server: (t: TestContext, beforeRoutes: (app: FastifyInstance) => void) => FastifyInstance
  /** An operation the broken copy breaks: its responses become `{ [status]: { content: {} } }`. */
  broken: { path: string, method: string, status: number }
  /** When given: how many error responses the document has (those of /readyz left out). */
  errorResponses?: number
}

/**
 * Registers the four tests every part's document passes: valid OpenAPI 3.1, a broken copy rejected
 * (so validity can fail), the routes of the server and the operations of the document the same,
 * and every error response the shared ErrorBody.
 */
export function testOpenApiContract (contract: OpenApiContract): void {
  test('the OpenAPI document is valid OpenAPI 3.1', async () => {
    await assertValidOpenApi(contract.document())
  })
  test('the validator rejects a broken document (the check above can fail)', async () => {
    const { path, method, status } = contract.broken
    await assertBrokenCopyRejected(contract.document(), path, method, status)
  })
  test('every route of the server is in the document, and every operation of the document is a route', async (t) => {
    let routes: () => string[] = () => []
    const app = contract.server(t, (a) => { routes = collectRoutes(a) })
    await app.ready()
    assert.deepEqual(routes(), documentedOperations(contract.document()))
    await app.close()
  })
  test('every error status of an operation is documented with the shared error body', () => {
    const checked = assertErrorResponsesUseErrorBody(contract.document())
    if (contract.errorResponses !== undefined) assert.equal(checked, contract.errorResponses)
  })
}
