import assert from 'node:assert/strict'
import { test } from 'node:test'
import { extensionFor, loadConfig, mediaJobOf, mediaKey } from '../src/index.ts'

test('defaults: port 8089 on loopback, group <prefix>.media, store under .wabridge/media, allow-list = Meta CDN + the Graph host', () => {
  const c = loadConfig({}, '/srv/app')
  assert.equal(c.MEDIA_PORT, 8089)
  assert.equal(c.MEDIA_HOST, '127.0.0.1')
  assert.equal(c.MEDIA_GROUP_ID, 'wa.media')
  assert.equal(c.MEDIA_STORE_URL, 'file:///srv/app/.wabridge/media')
  assert.deepEqual(c.MEDIA_ALLOWED_HOSTS, ['lookaside.fbsbx.com', 'graph.facebook.com'])
  assert.equal(c.MEDIA_ALLOW_INSECURE_HTTP, false)
  assert.equal(c.MEDIA_CONCURRENCY, 8)
  const sim = loadConfig({ GRAPH_API_BASE_URL: 'http://127.0.0.1:8090', TOPIC_PREFIX: 'x', MEDIA_ALLOWED_HOSTS: 'a.example,b.example:8443' })
  assert.equal(sim.MEDIA_GROUP_ID, 'x.media')
  assert.deepEqual(sim.MEDIA_ALLOWED_HOSTS, ['a.example', 'b.example:8443'])
  assert.deepEqual(loadConfig({ GRAPH_API_BASE_URL: 'http://127.0.0.1:8090' }).MEDIA_ALLOWED_HOSTS, ['lookaside.fbsbx.com', '127.0.0.1'])
  assert.throws(() => loadConfig({ MEDIA_STORE_URL: 'ftp://x', MEDIA_CONCURRENCY: '0' }), /MEDIA_STORE_URL[\s\S]*MEDIA_CONCURRENCY|MEDIA_CONCURRENCY[\s\S]*MEDIA_STORE_URL/)
})

test('media rules: allowed MIME types per type (parameters ignored), deterministic keys', () => {
  assert.equal(extensionFor('image', 'image/jpeg'), 'jpg')
  assert.equal(extensionFor('image', 'image/gif'), undefined)
  assert.equal(extensionFor('audio', 'audio/ogg; codecs=opus'), 'ogg')
  assert.equal(extensionFor('sticker', 'image/webp'), 'webp')
  assert.equal(extensionFor('document', 'application/pdf'), 'pdf')
  assert.equal(mediaKey('1', '2', 'jpg'), '1/2.jpg')
})

test('media jobs: only media types; the webhook media object read as Meta sends it', () => {
  const base = { event_id: 'e', waba_id: 'w', phone_number_id: 'p', display_phone_number: 'd', customer_wa_id: 'c', customer_name: null, message_id: 'm', meta_timestamp: 5, received_at: 6, context_message_id: null, referral_source_id: null, contact_json: null }
  assert.equal(mediaJobOf({ ...base, type: 'text', message_json: '{"type":"text"}' }), undefined)
  const job = mediaJobOf({ ...base, type: 'document', message_json: JSON.stringify({ type: 'document', document: { id: '9', mime_type: 'application/pdf', sha256: 'x', filename: 'a.pdf', url: 'https://lookaside.fbsbx.com/x' } }) })
  assert.deepEqual(job, { messageId: 'm', mediaId: '9', type: 'document', phoneNumberId: 'p', wabaId: 'w', waId: 'c', mimeType: 'application/pdf', sha256: 'x', url: 'https://lookaside.fbsbx.com/x', filename: 'a.pdf', messageTimestamp: 5 })
  assert.equal(mediaJobOf({ ...base, type: 'image', message_json: 'not json' })?.mediaId, '')
})
