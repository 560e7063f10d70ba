import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { buildTestApi, collectTopic, fileCleanup, NUMBER_A1, textRequest, waitFor, WABA_A, type TestApi } from './helpers.ts'

const cleanup = fileCleanup()
let h: TestApi
let key: string
let requests: Awaited<ReturnType<typeof collectTopic>>
before(async () => {
  h = await buildTestApi(cleanup)
  key = (await h.createKey({ wabas: [WABA_A] })).key
  requests = await collectTopic(cleanup, h.kafka, h.topics.requests)
})

/** Request records of the topic with this request id, once there is one. */
async function recordsOf (requestId: string) {
  const mine = () => requests.filter((r) => r.eventId === requestId)
  await waitFor(() => mine().length > 0, 20_000, `the record of ${requestId}`)
  return mine()
}

test('a POST is answered 202 once its request is in the requests topic, as an Avro OutboundRequest keyed by the number', async () => {
  const requestId = randomUUID()
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: requestId, metadata: { ticket: 'T-1' } }) })
  assert.equal(reply.status, 202)
  assert.deepEqual(reply.body, { request_id: requestId, state: 'queued' })
  const [record] = await recordsOf(requestId)
  assert.equal(record!.key, NUMBER_A1)
  const { value } = h.codec.decode(record!.value!, 'OutboundRequest')
  assert.deepEqual({ ...value, metadata: { ...value.metadata } }, {
    request_id: requestId, phone_number_id: NUMBER_A1, to: '+16505551234', message_json: '{"type":"text","text":{"body":"Hello"}}', expires_at: null, metadata: { ticket: 'T-1' }, created_at: null, send_at: null, priority: null
  })
})

test('a request without request_id gets a generated one, echoed in the answer and on the record', async () => {
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  assert.equal(reply.status, 202)
  assert.match(reply.body.request_id, /^[0-9a-f-]{36}$/)
  const [record] = await recordsOf(reply.body.request_id)
  assert.equal(h.codec.decode(record!.value!, 'OutboundRequest').value.request_id, reply.body.request_id)
})

test('the same request_id with the same body is answered the same without a second record; key order does not matter', async () => {
  const requestId = randomUUID()
  const body = textRequest(NUMBER_A1, { request_id: requestId })
  const first = await h.call('POST', '/v1/messages', { key, body })
  // The same JSON with its keys in another order, twice concurrently.
  const reordered = { message: { text: { body: 'Hello' }, type: 'text' }, to: body.to, request_id: requestId, phone_number_id: NUMBER_A1 }
  const again = await Promise.all([1, 2].map(() => h.call('POST', '/v1/messages', { key, body: reordered })))
  for (const reply of [first, ...again]) assert.deepEqual([reply.status, reply.body], [202, { request_id: requestId, state: 'queued' }])
  assert.equal(first.headers.get('idempotent-replayed'), null)
  assert.deepEqual(again.map((r) => r.headers.get('idempotent-replayed')), ['true', 'true'])
  // A later request proves the topic was read past where a second copy would be.
  const marker = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  await recordsOf(marker.body.request_id)
  assert.equal((await recordsOf(requestId)).length, 1)
})

test('the same request_id with another body is 409, and nothing is written', async () => {
  const requestId = randomUUID()
  assert.equal((await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: requestId }) })).status, 202)
  const reply = await h.call('POST', '/v1/messages', { key, body: { ...textRequest(NUMBER_A1, { request_id: requestId }), message: { type: 'text', text: { body: 'Other' } } } })
  assert.equal(reply.status, 409)
  assert.equal(reply.body.error.code, 'API_REQUEST_ID_CONFLICT')
  assert.equal(reply.body.error.request_id, requestId)
  const marker = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  await recordsOf(marker.body.request_id)
  assert.equal((await recordsOf(requestId)).length, 1)
})

test('an invalid request is 400 with the shared error body listing every problem', async () => {
  const reply = await h.call('POST', '/v1/messages', { key, body: { phone_number_id: '+1 650', to: 'nobody', message: { text: { body: 'x' } }, expires_at: 'tomorrow', extra: 1 } })
  assert.equal(reply.status, 400)
  assert.equal(reply.body.error.code, 'API_INVALID_REQUEST')
  assert.deepEqual(reply.body.error.issues.map((i: { path: string }) => i.path).sort(), ['', 'expires_at', 'message.type', 'phone_number_id', 'to'].sort())
})

test('a body that is not JSON is 400, another content type 415, an empty body 400, each with the error body', async () => {
  const notJson = await h.call('POST', '/v1/messages', { key, rawBody: '{"phone_number_id":', headers: { 'content-type': 'application/json' } })
  assert.deepEqual([notJson.status, notJson.body.error.code], [400, 'API_BAD_REQUEST'])
  const text = await h.call('POST', '/v1/messages', { key, rawBody: 'hello', headers: { 'content-type': 'text/plain' } })
  assert.deepEqual([text.status, text.body.error.code], [415, 'API_UNSUPPORTED_MEDIA_TYPE'])
  const empty = await h.call('POST', '/v1/messages', { key, headers: { 'content-type': 'application/json' }, rawBody: '' })
  assert.deepEqual([empty.status, empty.body.error.code], [400, 'API_BAD_REQUEST'])
})

test('a request larger than API_MAX_BODY_BYTES is 413', async () => {
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { metadata: { big: 'x'.repeat(h.config.API_MAX_BODY_BYTES) } }) })
  assert.deepEqual([reply.status, reply.body.error.code], [413, 'API_PAYLOAD_TOO_LARGE'])
})
