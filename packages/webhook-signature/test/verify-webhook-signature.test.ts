import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import { signWebhookBody, toMetaJson, verifyWebhookSignature, WebhookSignatureError } from '../src/index.ts'

const secret = 'app-secret-1'
// A body as Meta sends it: non-ASCII escaped as lowercase \uXXXX, so the bytes are pure ASCII.
const metaBody = Buffer.from('{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messages":[{"text":{"body":"Gr\\u00fc\\u00dfe \\u00e4\\u00f6\\u00e5 \\ud83d\\ude00"}}]}}]}]}')

test('signs with sha256= and the lowercase hex HMAC-SHA256 of the raw bytes', () => {
  const expected = createHmac('sha256', secret).update(metaBody).digest('hex')
  assert.equal(signWebhookBody(metaBody, secret), `sha256=${expected}`)
  assert.match(signWebhookBody(metaBody, secret), /^sha256=[0-9a-f]{64}$/)
})

test('verifies a body with non-ASCII escaped the way Meta sends it', () => {
  const header = signWebhookBody(metaBody, secret)
  assert.deepEqual(verifyWebhookSignature(metaBody, header, [secret]), { ok: true, secretIndex: 0 })
})

test('refuses the same content re-serialized from the parsed JSON', () => {
  const header = signWebhookBody(metaBody, secret)
  const reserialized = Buffer.from(JSON.stringify(JSON.parse(metaBody.toString('utf8'))))
  assert.notDeepEqual(reserialized, metaBody)
  assert.deepEqual(verifyWebhookSignature(reserialized, header, [secret]), { ok: false, reason: 'mismatch' })
})

test('toMetaJson reproduces Meta\'s escaping byte for byte', () => {
  const parsed: unknown = JSON.parse(metaBody.toString('utf8'))
  assert.deepEqual(Buffer.from(toMetaJson(parsed)), metaBody)
  assert.equal(toMetaJson({ s: 'ä\u007f' }), '{"s":"\\u00e4\\u007f"}')
})

test('accepts any of several secrets and says which one matched (rotation)', () => {
  const header = signWebhookBody(metaBody, 'new-secret')
  assert.deepEqual(verifyWebhookSignature(metaBody, header, ['old-secret', 'new-secret']), { ok: true, secretIndex: 1 })
  assert.deepEqual(verifyWebhookSignature(metaBody, header, ['old-secret', 'other']), { ok: false, reason: 'mismatch' })
})

test('treats an upper-case hex digest as the same signature', () => {
  const header = 'sha256=' + signWebhookBody(metaBody, secret).slice(7).toUpperCase()
  assert.equal(verifyWebhookSignature(metaBody, header, [secret]).ok, true)
})

test('reports a missing header', () => {
  assert.deepEqual(verifyWebhookSignature(metaBody, undefined, [secret]), { ok: false, reason: 'missing' })
  assert.deepEqual(verifyWebhookSignature(metaBody, '  ', [secret]), { ok: false, reason: 'missing' })
})

test('reports malformed headers without comparing', () => {
  const hex = signWebhookBody(metaBody, secret).slice(7)
  for (const header of [hex, `sha1=${hex}`, 'sha256=', `sha256=${hex.slice(2)}`, `sha256=${hex}00`, `sha256=${'z'.repeat(64)}`]) {
    assert.deepEqual(verifyWebhookSignature(metaBody, header, [secret]), { ok: false, reason: 'malformed' }, header)
  }
})

test('a one-byte change in the body is a mismatch', () => {
  const header = signWebhookBody(metaBody, secret)
  const tampered = Buffer.from(metaBody)
  tampered[tampered.length - 3] = 0x20
  assert.deepEqual(verifyWebhookSignature(tampered, header, [secret]), { ok: false, reason: 'mismatch' })
})

test('throws a coded error when no usable secret is configured', () => {
  assert.throws(() => verifyWebhookSignature(metaBody, 'sha256=00', ['']), (err: unknown) =>
    err instanceof WebhookSignatureError && err.code === 'WEBHOOK_SECRETS_EMPTY')
})
