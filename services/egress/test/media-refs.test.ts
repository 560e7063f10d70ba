import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { createGraphApiClient } from '@wabridge/graph-api'
import { topicNames } from '@wabridge/kafka'
import { createMediaStore } from '@wabridge/media-store'
import { uploadedMediaKey, type OutboundRequest, type UploadedMedia } from '@wabridge/schemas'
import { mediaUploadsTopic } from '../src/media-uploads.ts'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const imageRequest = (phoneNumberId: string, to: string, requestId: string, image: Record<string, unknown>): OutboundRequest =>
  textRequest(phoneNumberId, to, requestId, { message_json: JSON.stringify({ type: 'image', image }) })

/** Every record of a compacted topic so far, decoded (the uploads recorded). */
async function uploadRecords (t: import('node:test').TestContext, prefix: string): Promise<Array<{ key: string, value: UploadedMedia }>> {
  const kafka = testKafka()
  const records: Array<{ key: string, value: UploadedMedia }> = []
  const seen = new Set<string>()
  const consumer = kafka.consumer({ groupId: `uploads-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topics: [mediaUploadsTopic(prefix)], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      // This reader's own group can rebalance (or kafkajs restart it) and re-deliver uncommitted records: keep each partition@offset once.
      const at = `${partition}@${message.offset}`
      if (seen.has(at)) return
      const record = { key: message.key!.toString(), value: codec.decode(message.value!, 'UploadedMedia').value }
      seen.add(at)
      records.push(record)
    }
  })
  return records
}

test('media by reference: a store file is uploaded once for N sends (one record on wa.media.uploads), and a restarted egress reuses the media id', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'egress-media-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251))
  await writeFile(join(dir, 'promo.jpg'), bytes)
  const uri = pathToFileURL(join(dir, 'promo.jpg')).href
  const prefix = `eg-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  const env = testEnv(prefix, sim.url, { EGRESS_MEDIA_FILE_ROOTS: dir })
  const first = await startEgress(t, env)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const uploads = await uploadRecords(t, prefix)
  const producer = await requestProducer(t, kafka)

  const n = 40
  await produceRequests(producer, prefix, Array.from({ length: n }, (_, i) => imageRequest('1001', `+1555100${String(i).padStart(4, '0')}`, `img-${i}`, { store_uri: uri, caption: `#${i}` })))
  await waitFor(() => results.length >= n, 60_000, () => `${n} results, have ${results.length}`)
  assert.deepEqual(results.filter((r) => r.status !== 'accepted').map((r) => r.error?.message), [])
  const ids = new Set(sim.accepted().map((m) => (m.body.image as { id?: string }).id))
  assert.equal(ids.size, 1, `one media id for all ${n} sends, got ${[...ids].join(', ')}`)
  const mediaId = [...ids][0]!
  assert.ok(sim.accepted().every((m) => !('store_uri' in (m.body.image as object)) && typeof (m.body.image as { caption?: string }).caption === 'string'))
  await waitFor(() => uploads.length >= 1, 30_000, () => 'the upload recorded')
  assert.equal(uploads.length, 1)
  assert.equal(uploads[0]!.key, uploadedMediaKey('1001', uri))
  assert.equal(uploads[0]!.value.media_id, mediaId)
  assert.equal(uploads[0]!.value.sha256, createHash('sha256').update(bytes).digest('hex'))
  assert.equal(uploads[0]!.value.size, bytes.length)
  assert.equal(uploads[0]!.value.mime_type, 'image/jpeg')
  assert.ok(Math.abs(uploads[0]!.value.expires_at - uploads[0]!.value.uploaded_at - 29 * 24 * 3_600_000) < 1000)
  // The sim holds the uploaded bytes under that id.
  const client = createGraphApiClient({ baseUrl: sim.url })
  t.after(() => client.stop())
  const info = await client.getMediaUrl(mediaId, { token: 'test-token' })
  assert.ok(info.ok && info.sha256 === uploads[0]!.value.sha256, 'the media id names the uploaded file')

  // A new instance (this one stopped) reads wa.media.uploads and sends by the same id, uploading nothing.
  await first.stop()
  await startEgress(t, env)
  await produceRequests(producer, prefix, Array.from({ length: 5 }, (_, i) => imageRequest('1001', `+1555200${String(i).padStart(4, '0')}`, `again-${i}`, { store_uri: uri })))
  await waitFor(() => results.length >= n + 5, 60_000, () => `${n + 5} results, have ${results.length}`)
  assert.deepEqual(results.filter((r) => r.status !== 'accepted').map((r) => r.error?.message), [])
  assert.deepEqual(new Set(sim.accepted().map((m) => (m.body.image as { id?: string }).id)), new Set([mediaId]))
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(uploads.length, 1, 'no second upload')

  // Another number gets its own upload (a media id serves the number it was uploaded on); a changed file is uploaded again.
  await writeFile(join(dir, 'promo.jpg'), Buffer.concat([bytes, Buffer.from('changed')]))
  await produceRequests(producer, prefix, [imageRequest('1002', '+15553000001', 'other-number', { store_uri: uri }), imageRequest('1001', '+15553000002', 'changed-file', { store_uri: uri })])
  await waitFor(() => results.length >= n + 7 && uploads.length >= 3, 60_000, () => `${n + 7} results and 3 uploads, have ${results.length} and ${uploads.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId['other-number']!.status, 'accepted')
  assert.equal(byId['changed-file']!.status, 'accepted')
  assert.deepEqual(uploads.map((u) => u.key).sort(), [uploadedMediaKey('1001', uri), uploadedMediaKey('1001', uri), uploadedMediaKey('1002', uri)].sort())
  const changedId = (sim.accepted().find((m) => m.bizOpaqueCallbackData === 'changed-file')!.body.image as { id: string }).id
  assert.notEqual(changedId, mediaId)
})

test('media by reference: a missing file or a file outside EGRESS_MEDIA_FILE_ROOTS fails as permanent with the uri named, without a send', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'egress-media-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const outside = await mkdtemp(join(tmpdir(), 'egress-elsewhere-'))
  t.after(() => rm(outside, { recursive: true, force: true }))
  await writeFile(join(outside, 'secret.pdf'), 'not for Meta')
  await writeFile(join(dir, 'ok.pdf'), 'a document')
  const prefix = `eg-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  await startEgress(t, testEnv(prefix, sim.url, { EGRESS_MEDIA_FILE_ROOTS: dir }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const dlq = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')
  const producer = await requestProducer(t, kafka)
  const missing = pathToFileURL(join(dir, 'missing.jpg')).href
  const secret = pathToFileURL(join(outside, 'secret.pdf')).href
  const doc = (requestId: string, document: Record<string, unknown>) =>
    textRequest('1001', '+15554000001', requestId, { message_json: JSON.stringify({ type: 'document', document }) })
  await produceRequests(producer, prefix, [
    imageRequest('1001', '+15554000001', 'missing', { store_uri: missing }),
    doc('outside', { store_uri: secret }),
    doc('fine', { store_uri: pathToFileURL(join(dir, 'ok.pdf')).href, filename: 'ok.pdf' })
  ])
  await waitFor(() => results.length >= 3 && dlq.length >= 2, 60_000, () => `3 results and 2 dead letters, have ${results.length} and ${dlq.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId.missing!.status, 'failed')
  assert.equal(byId.missing!.error!.class, 'permanent')
  assert.equal(byId.missing!.attempts, 0)
  assert.ok(byId.missing!.error!.message.includes(missing), byId.missing!.error!.message)
  assert.equal(byId.outside!.status, 'failed')
  assert.match(byId.outside!.error!.message, /not under a directory of EGRESS_MEDIA_FILE_ROOTS/)
  assert.equal(byId.fine!.status, 'accepted')
  assert.deepEqual(sim.accepted().map((m) => m.bizOpaqueCallbackData), ['fine'])
  assert.deepEqual(sim.refused(), [])
  assert.deepEqual(dlq.map((d) => d.request_id).sort(), ['missing', 'outside'])
})

test('media by reference from the media store (MEDIA_STORE_URL): its type and sha256 are the store\'s, and a URI outside it is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'egress-store-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const store = createMediaStore({ url: pathToFileURL(dir).href })
  t.after(() => store.close())
  const bytes = Buffer.from('OggS fake voice note')
  const stored = await store.put('outbound/voice-note', bytes, { contentType: 'audio/ogg' })
  const prefix = `eg-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  await startEgress(t, testEnv(prefix, sim.url, { MEDIA_STORE_URL: pathToFileURL(dir).href }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const uploads = await uploadRecords(t, prefix)
  const producer = await requestProducer(t, kafka)
  const audio = (requestId: string, uri: string) => textRequest('1001', '+15555000001', requestId, { message_json: JSON.stringify({ type: 'audio', audio: { store_uri: uri } }) })
  await produceRequests(producer, prefix, [audio('stored', stored.uri), audio('elsewhere', pathToFileURL(join(tmpdir(), 'other.ogg')).href)])
  await waitFor(() => results.length >= 2 && uploads.length >= 1, 60_000, () => `2 results and the upload, have ${results.length} and ${uploads.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId.stored!.status, 'accepted')
  assert.equal(uploads[0]!.value.sha256, stored.sha256)
  assert.equal(uploads[0]!.value.mime_type, 'audio/ogg')
  assert.equal(byId.elsewhere!.status, 'failed')
  assert.match(byId.elsewhere!.error!.message, /not under a directory of EGRESS_MEDIA_FILE_ROOTS, nor in the media store \(file:\/\/\//)
  assert.deepEqual(sim.accepted().map((m) => m.bizOpaqueCallbackData), ['stored'])
})
