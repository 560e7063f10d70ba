import assert from 'node:assert/strict'
import { test } from 'node:test'
import { signWebhookBody, toMetaJson } from '@wabridge/webhook-signature'
import { CUSTOMER, envelope, messageFixtures, messageWebhook, WABA_ID, wamid } from '../fixtures/webhooks.ts'
import { APP_SECRET, buildTestIngress, countRecords, decodeWithAvsc, inboundTopics, OLD_SECRET, readTopics, toBody } from '../helpers.ts'

test('a body with non-ASCII escaped the way Meta sends it verifies; the same content re-serialized does not', async (t) => {
  const app = await buildTestIngress(t)
  const message = { ...messageFixtures().text!, text: { body: 'Olá, ¿envío? äöå — 🚚 mail@example.com </b> 100%' } }
  const asMetaSends = toMetaJson(messageWebhook(message))
  assert.match(asMetaSends, /\\u00e1/, 'the fixture must contain escapes')
  const signature = signWebhookBody(asMetaSends, APP_SECRET)

  const reserialized = JSON.stringify(JSON.parse(asMetaSends))
  assert.notEqual(reserialized, asMetaSends)
  const refused = await app.post(reserialized, { signature })
  assert.equal(refused.status, 401)
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), Object.fromEntries(inboundTopics(app.topics).map((topic) => [topic, 0])))

  const accepted = await app.post(asMetaSends, { signature })
  assert.equal(accepted.status, 200)
  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundMessages, app.topics.inboundRaw])
  const value = decodeWithAvsc(stored[app.topics.inboundMessages]![0]!.value).value
  assert.equal(JSON.parse(value.message_json as string).text.body, message.text.body)
  assert.equal((decodeWithAvsc(stored[app.topics.inboundRaw]![0]!.value).value.body as Buffer).toString('utf8'), asMetaSends)
})

test('a bad signature, a wrong secret, a malformed or missing header answer 401 and publish nothing', async (t) => {
  const app = await buildTestIngress(t)
  const body = toBody(messageWebhook(messageFixtures().text!))
  const cases = {
    'wrong secret': { secret: 'not-the-app-secret' },
    'bad digest': { signature: 'sha256=' + '0'.repeat(64) },
    'digest of another body': { signature: signWebhookBody(Buffer.concat([body, Buffer.from(' ')]), APP_SECRET) },
    malformed: { signature: 'sha1=' + 'a'.repeat(40) },
    missing: { signature: null }
  }
  for (const [name, options] of Object.entries(cases)) {
    const reply = await app.post(body, options)
    assert.equal(reply.status, 401, name)
    assert.equal(JSON.parse(reply.text).error.code, 'INGRESS_SIGNATURE_INVALID', name)
  }
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), Object.fromEntries(inboundTopics(app.topics).map((topic) => [topic, 0])))

  // Rotation: a body signed with the older secret is accepted too.
  assert.equal((await app.post(body, { secret: OLD_SECRET })).status, 200)
  assert.equal((await countRecords(app.admin, [app.topics.inboundMessages]))[app.topics.inboundMessages], 1)
})

test('a verified body that is not JSON or not a WhatsApp webhook answers 400 and only reaches the raw topic', async (t) => {
  const app = await buildTestIngress(t)
  const cases = {
    'not JSON': '{"object":"whatsapp_business_account",',
    'wrong object': JSON.stringify({ object: 'page', entry: [{ id: WABA_ID, changes: [] }] }),
    'messages value without metadata': JSON.stringify(envelope([{ field: 'messages', value: { messages: [{ id: wamid(), from: CUSTOMER, timestamp: '1', type: 'text' }] } }])),
    'empty body': ''
  }
  for (const [name, body] of Object.entries(cases)) {
    const reply = await app.post(body)
    assert.equal(reply.status, 400, name)
    assert.equal(JSON.parse(reply.text).error.code, 'INGRESS_PAYLOAD_INVALID', name)
  }
  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  assert.equal(stored[app.topics.inboundMessages]!.length + stored[app.topics.inboundStatuses]!.length + stored[app.topics.inboundEvents]!.length, 0)
  const raw = stored[app.topics.inboundRaw]!.map((r) => ({ key: r.key, value: decodeWithAvsc(r.value).value }))
  assert.deepEqual(raw.map((r) => (r.value.body as Buffer).toString('utf8')).sort(), Object.values(cases).sort())
  assert.ok(raw.every((r) => r.value.verified === true))
  assert.deepEqual(raw.map((r) => r.key).filter((k) => k !== null).sort(), [WABA_ID, WABA_ID])
})

test('a body over MAX_BODY_BYTES answers 413 and publishes nothing', async (t) => {
  const app = await buildTestIngress(t, { env: { MAX_BODY_BYTES: '2048' } })
  const message = { ...messageFixtures().text!, text: { body: 'x'.repeat(4000) } }
  const reply = await app.post(messageWebhook(message))
  assert.equal(reply.status, 413)
  assert.deepEqual(JSON.parse(reply.text), { error: { code: 'INGRESS_PAYLOAD_TOO_LARGE', message: 'Request body is too large' } })
  assert.equal((await app.post(messageWebhook(messageFixtures().text!))).status, 200)
  const counts = await countRecords(app.admin, inboundTopics(app.topics))
  assert.equal(counts[app.topics.inboundMessages], 1)
  assert.equal(counts[app.topics.inboundRaw], 1)
})

test('only application/json bodies are read: other media types answer 415 with the error body and publish nothing', async (t) => {
  const app = await buildTestIngress(t)
  const body = messageWebhook(messageFixtures().text!)
  for (const type of ['text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const reply = await app.post(body, { headers: { 'content-type': type } })
    assert.equal(reply.status, 415, type)
    assert.equal(JSON.parse(reply.text).error.code, 'INGRESS_UNSUPPORTED_MEDIA_TYPE', type)
  }
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), Object.fromEntries(inboundTopics(app.topics).map((topic) => [topic, 0])))
  // The media type is matched without its parameters and in any case; the archived content_type is as sent.
  const types = ['application/json; charset=UTF-8', 'Application/JSON']
  for (const type of types) assert.equal((await app.post(messageWebhook(messageFixtures().text!), { headers: { 'content-type': type } })).status, 200, type)
  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundRaw])
  assert.deepEqual(stored[app.topics.inboundRaw]!.map((r) => decodeWithAvsc(r.value).value.content_type).sort(), [...types].sort())
})

test('a signed body nested deeper than MAX_JSON_DEPTH answers 400, and its raw body is still archived', async (t) => {
  const app = await buildTestIngress(t, { env: { MAX_JSON_DEPTH: '64' } })
  // The message object is 8 levels deep. 65 levels in all; and 200,000, where code walking the value recursively would overflow the stack.
  const nested = (depth: number) => JSON.stringify(messageWebhook({ ...messageFixtures().text!, extra: 'NESTED' })).replace('"NESTED"', '['.repeat(depth - 8) + ']'.repeat(depth - 8))
  const bodies = [nested(65), nested(200_000)]
  for (const body of bodies) {
    const reply = await app.post(body)
    assert.equal(reply.status, 400)
    assert.deepEqual(JSON.parse(reply.text), { error: { code: 'INGRESS_PAYLOAD_INVALID', message: 'body nests arrays and objects deeper than 64 levels' } })
  }
  // 64 levels is within the limit.
  const within = nested(64)
  assert.equal((await app.post(within)).status, 200)
  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  assert.equal(stored[app.topics.inboundMessages]!.length, 1)
  const raw = stored[app.topics.inboundRaw]!.map((r) => decodeWithAvsc(r.value).value)
  assert.deepEqual(raw.map((v) => (v.body as Buffer).toString('utf8')).sort(), [within, ...bodies].sort())
  assert.ok(raw.every((v) => v.verified === true))
})

test('an unsigned deep body answers 401 and is not archived', async (t) => {
  const app = await buildTestIngress(t)
  const reply = await app.post('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}', { signature: null })
  assert.equal(reply.status, 401)
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), Object.fromEntries(inboundTopics(app.topics).map((topic) => [topic, 0])))
})

test('unknown routes and methods answer 404 with the error body', async (t) => {
  const app = await buildTestIngress(t)
  for (const [method, path] of [['GET', '/nothing'], ['PUT', '/webhook'], ['DELETE', '/webhook'], ['POST', '/webhook/extra']] as const) {
    const res = await app.ingress.server.inject({ method, url: path })
    assert.equal(res.statusCode, 404, `${method} ${path}`)
    assert.deepEqual(res.json(), { error: { code: 'INGRESS_NOT_FOUND', message: `no route ${method} ${path}` } })
  }
})
