import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { API_KEY_PREFIX } from '@wabridge/schemas'
import { buildTestApi, fileCleanup, NUMBER_A1, NUMBER_A2, NUMBER_B1, textRequest, waitFor, WABA_A, WABA_B, type TestApi } from './helpers.ts'

const cleanup = fileCleanup()
// The rate limit's clock stands still unless a test moves it, so bursts are exact.
let now = Date.parse('2026-12-06T10:00:00Z')
let h: TestApi
let keyA: string
let keyB: string
before(async () => {
  h = await buildTestApi(cleanup, { deps: { clock: () => now } })
  keyA = (await h.createKey({ wabas: [WABA_A] })).key
  keyB = (await h.createKey({ numbers: [NUMBER_B1] })).key
})

test('no key, a malformed key, an unknown key and a wrong secret are 401 with the error body', async () => {
  const unknown = `${API_KEY_PREFIX}k0123456789abcdef_${'A'.repeat(43)}`
  // The key's id with another secret of the right form (the secret may hold underscores itself).
  const wrongSecret = `${keyA.slice(0, keyA.indexOf('_', API_KEY_PREFIX.length) + 1)}${'B'.repeat(43)}`
  assert.equal(wrongSecret.length, keyA.length)
  for (const header of [undefined, 'Bearer', 'Bearer nonsense', `Basic ${keyA}`, `Bearer ${unknown}`, `Bearer ${wrongSecret}`]) {
    const reply = await h.call('POST', '/v1/messages', { body: textRequest(NUMBER_A1), headers: header === undefined ? {} : { authorization: header } })
    assert.equal(reply.status, 401, String(header))
    assert.equal(reply.body.error.code, 'API_UNAUTHENTICATED')
  }
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`)).status, 401)
})

test('a key scoped to a WABA sends from its numbers and not from another WABA\'s (403); a key scoped to a number likewise', async () => {
  assert.equal((await h.call('POST', '/v1/messages', { key: keyA, body: textRequest(NUMBER_A1) })).status, 202)
  assert.equal((await h.call('POST', '/v1/messages', { key: keyA, body: textRequest(NUMBER_A2) })).status, 202)
  const refused = await h.call('POST', '/v1/messages', { key: keyA, body: textRequest(NUMBER_B1) })
  assert.deepEqual([refused.status, refused.body.error.code], [403, 'API_FORBIDDEN'])
  assert.equal((await h.call('POST', '/v1/messages', { key: keyB, body: textRequest(NUMBER_B1) })).status, 202)
  assert.equal((await h.call('POST', '/v1/messages', { key: keyB, body: textRequest(NUMBER_A1) })).status, 403)
  // A number WA_PHONE_WABAS does not map belongs to no WABA.
  assert.equal((await h.call('POST', '/v1/messages', { key: keyA, body: textRequest('109999999999999') })).status, 403)
})

test('another tenant\'s request is 404 to a key, exactly like an unknown one', async () => {
  const sent = await h.call('POST', '/v1/messages', { key: keyA, body: textRequest(NUMBER_A1) })
  const own = await h.call('GET', `/v1/messages/${sent.body.request_id}`, { key: keyA })
  assert.deepEqual([own.status, own.body.state], [200, 'queued'])
  const other = await h.call('GET', `/v1/messages/${sent.body.request_id}`, { key: keyB })
  const unknown = await h.call('GET', `/v1/messages/${randomUUID()}`, { key: keyB })
  assert.equal(other.status, 404)
  assert.equal(unknown.status, 404)
  assert.equal(other.body.error.code, unknown.body.error.code)
})

test('over its rate a key gets 429 with Retry-After, other keys do not; tokens come back with time', async () => {
  const { key } = await h.createKey({ wabas: [WABA_A], rate: 2, burst: 3 })
  // createKey's one successful check of the key took the first of the 3 tokens.
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status)
  assert.deepEqual(statuses, [404, 404, 429])
  const limited = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  assert.equal(limited.status, 429)
  assert.equal(limited.body.error.code, 'API_RATE_LIMITED')
  assert.equal(limited.headers.get('retry-after'), '1')
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`, { key: keyA })).status, 404)
  now += 500
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status, 404)
  assert.equal((await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status, 429)
})

test('a revoked key is refused once the API read the revocation', async () => {
  const { key, record } = await h.createKey({ wabas: [WABA_B] })
  assert.equal((await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_B1) })).status, 202)
  await h.revokeKey(record)
  await waitFor(async () => (await h.call('GET', `/v1/messages/${randomUUID()}`, { key })).status === 401, 20_000, 'the revocation to take effect')
  const refused = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_B1) })
  assert.deepEqual([refused.status, refused.body.error.code], [401, 'API_UNAUTHENTICATED'])
})
