import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import type { z } from 'zod'
import { AcceptedSchema, ErrorBodySchema, MessageStatusSchema } from '../src/http-schemas.ts'
import { arbitraryOf, mutationsOf, type JsonSchema } from './fuzz/schema-arbitrary.ts'
import { buildTestApi, NUMBER_A1, NUMBER_B1, WABA_A } from './helpers.ts'

interface Operation { responses: Record<string, unknown>, requestBody?: { content: Record<string, { schema: JsonSchema }> } }
interface Document { paths: Record<string, Record<string, Operation>>, components: { schemas: Record<string, JsonSchema> } }

/** What a successful answer must look like, by operation and status. */
const SUCCESS: Record<string, z.ZodType> = { 'post /v1/messages 202': AcceptedSchema, 'get /v1/messages/{request_id} 200': MessageStatusSchema }

// Bounded by time: fast-check stops after the limit and the test passes if nothing failed so far.
const TIME_LIMIT_MS = 12_000
const MAX_RUNS = 20_000

test('requests generated from the OpenAPI document, valid and broken, never get a 5xx; every 4xx is documented and has the error body', async (t) => {
  const h = await buildTestApi(t)
  const { key } = await h.createKey({ wabas: [WABA_A], rate: 100_000, burst: 100_000 })
  const doc = (await h.call('GET', '/openapi.json')).body as Document
  const components = doc.components.schemas
  const sendSchema = doc.paths['/v1/messages']!.post!.requestBody!.content['application/json']!.schema
  // Steered towards the interesting: numbers the key may and may not use, messages that can be valid.
  const valid = arbitraryOf(sendSchema, components, {
    phone_number_id: fc.oneof({ arbitrary: fc.constant(NUMBER_A1), weight: 4 }, fc.constant(NUMBER_B1), fc.stringMatching(/^\d{1,16}$/)),
    to: fc.oneof({ arbitrary: fc.constant('+16505551234'), weight: 3 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 }),
    request_id: fc.oneof(fc.uuid(), fc.constantFrom('fixed-1', 'fixed-2'), fc.string({ minLength: 1, maxLength: 130 })),
    message: fc.oneof({ arbitrary: fc.record({ type: fc.constant('text'), text: fc.record({ body: fc.string() }) }), weight: 3 }, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }))
  })
  const body = fc.oneof({ arbitrary: valid, weight: 2 }, { arbitrary: mutationsOf(valid), weight: 2 }, { arbitrary: fc.string({ maxLength: 50 }).map((s) => ({ raw: s })), weight: 1 })
  const auth = fc.oneof(
    { arbitrary: fc.constant(`Bearer ${key}`), weight: 6 },
    { arbitrary: fc.constantFrom<string | undefined>(undefined, 'Bearer ', `bearer ${key}x`, 'Basic abc', `Bearer ${key.toUpperCase()}`), weight: 1 }
  )
  const contentType = fc.oneof(
    { arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8'), weight: 5 },
    { arbitrary: fc.constantFrom<string | undefined>('text/plain', 'application/x-www-form-urlencoded', undefined), weight: 1 }
  )
  const requestId = fc.oneof(fc.uuid(), fc.constantFrom('fixed-1', 'fixed-2', '..', '%2e%2e', 'a'.repeat(129), 'a'.repeat(600), '%00', '%E0%A4%A'), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(encodeURIComponent))
  const request = fc.oneof(
    { arbitrary: fc.record({ method: fc.constant('POST'), path: fc.constant('/v1/messages'), op: fc.constant('post /v1/messages'), body, auth, contentType }), weight: 4 },
    { arbitrary: fc.record({ method: fc.constant('GET'), path: requestId.map((id) => `/v1/messages/${id}`), op: fc.constant('get /v1/messages/{request_id}'), auth }), weight: 2 },
    { arbitrary: fc.record({ method: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'GET'), path: fc.constantFrom('/v1/messages', '/v1', '/v1/messages/a/b', '/openapi.json/x'), op: fc.constant(''), auth }), weight: 1 }
  )

  let runs = 0
  const seen: Record<number, number> = {}
  await fc.assert(fc.asyncProperty(request, async (r) => {
    runs++
    const headers: Record<string, string> = {}
    if (r.auth !== undefined) headers.authorization = r.auth
    let rawBody: string | undefined
    if ('body' in r) {
      const b = r.body as unknown
      rawBody = typeof b === 'object' && b !== null && 'raw' in b ? String((b as { raw: unknown }).raw) : JSON.stringify(b)
      if (r.contentType !== undefined) headers['content-type'] = r.contentType
    }
    const reply = await h.call(r.method, r.path, { headers, ...(rawBody !== undefined && { rawBody }) })
    seen[reply.status] = (seen[reply.status] ?? 0) + 1
    const what = `${r.method} ${r.path} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`
    assert.ok(reply.status < 500, what)
    if (reply.status >= 400) {
      assert.ok(ErrorBodySchema.safeParse(reply.body).success, `error body: ${what}`)
      if (r.op) assert.ok(String(reply.status) in doc.paths[r.op.split(' ')[1]!]![r.op.split(' ')[0]!]!.responses, `undocumented status: ${what}`)
      else assert.equal(reply.status, 404, what)
    } else {
      const schema = SUCCESS[`${r.op} ${reply.status}`]
      assert.ok(schema, `undocumented success: ${what}`)
      assert.ok(schema.safeParse(reply.body).success, `success body: ${what}`)
    }
  }), { numRuns: MAX_RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false })
  t.diagnostic(`${runs} generated requests, by status: ${JSON.stringify(seen)}`)
  assert.ok(runs >= 50, `only ${runs} requests in ${TIME_LIMIT_MS} ms`)
  // The generator reaches the successes, not only the refusals.
  assert.ok(seen[202]! > 0 && seen[200]! > 0, JSON.stringify(seen))
})
