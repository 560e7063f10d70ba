/**
 * Helpers for the tests of the parts (the `@wabridge/process/testing` entry; only tests import it):
 * the routes a fastify server registers, the operations of a document, validation with
 * @readme/openapi-parser, the check that every error response refers to the shared ErrorBody, and
 * a meter whose HTTP request metrics (recordHttpRequests) a test can read.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import type { Meter } from '@opentelemetry/api'
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics'
import { compileErrors, validate } from '@readme/openapi-parser'
import type { FastifyInstance } from 'fastify'

class InMemoryReader extends MetricReader {
  protected override async onForceFlush (): Promise<void> {}
  protected override async onShutdown (): Promise<void> {}
}

/** Requests counted, durations counted and their sum (seconds), by "METHOD route status_code". */
export type CountedHttpRequests = Record<string, { requests: number, durations: number, seconds: number }>

/**
 * A meter to give recordHttpRequests (or a part that takes one), and `counted()`: what its
 * `wabridge.http.requests` and `wabridge.http.request.duration` hold so far.
 */
export function httpRequestsProbe (): { meter: Meter, counted: () => Promise<CountedHttpRequests> } {
  const reader = new InMemoryReader()
  return {
    meter: new MeterProvider({ readers: [reader] }).getMeter('test'),
    async counted () {
      const { resourceMetrics } = await reader.collect()
      const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics)
      const points = (name: string) => (all.find((m) => m.descriptor.name === name)?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>
      const out: CountedHttpRequests = {}
      const at = (p: DataPoint<number | Histogram>) => (out[`${String(p.attributes.method)} ${String(p.attributes.route)} ${String(p.attributes.status_code)}`] ??= { requests: 0, durations: 0, seconds: 0 })
      for (const p of points('wabridge.http.requests')) at(p).requests += p.value as number
      for (const p of points('wabridge.http.request.duration')) { at(p).durations += (p.value as Histogram).count; at(p).seconds += (p.value as Histogram).sum ?? 0 }
      return out
    }
  }
}

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
