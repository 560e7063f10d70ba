import assert from 'node:assert/strict'
import { test } from 'node:test'
import { collectMedia, inboundMessage, mediaEnv, PNID, sendMedia, startMediaApp, startSimWithBridge, tempDir, uniqueName, waitFor } from './helpers.ts'

test('each bad input gives a failed record with its reason, and the partition goes on to the good media after them', async (t) => {
  const prefix = uniqueName('mbad')
  const dir = await tempDir(t, 'media-bad-')
  const { sim, publish } = await startSimWithBridge(t, prefix)
  // One partition: every message below is behind the previous one.
  const app = await startMediaApp(t, mediaEnv(prefix, sim.url, dir, { KAFKA_TOPIC_PARTITIONS: '1', MEDIA_MAX_ATTEMPTS: '3' }))
  const records = await collectMedia(t, prefix)
  const simPort = new URL(sim.url).port

  const gif = await sendMedia(sim, { mimeType: 'image/gif' })
  const big = await sendMedia(sim, { size: 5 * 1024 * 1024 + 1 })
  const lying = await sendMedia(sim, { sha256: 'ab'.repeat(32) })
  const broken = await sendMedia(sim, { brokenLink: true })
  const offList = await sendMedia(sim, { urlBase: `http://localhost:${simPort}` })
  const hexHash = await sendMedia(sim, { type: 'document', mimeType: 'application/pdf', filename: 'invoice.pdf', sha256Form: 'hex', withUrl: false })
  sim.receiveMessage(PNID, '15550001234')
  await publish(inboundMessage({ id: 'wamid.unknown', from: '15550001234', timestamp: '1800000000', type: 'audio', audio: { id: '999999999', mime_type: 'audio/ogg; codecs=opus', sha256: 'ab'.repeat(32) } }, { wabaId: '1', phoneNumberId: PNID }))
  const good = await sendMedia(sim, { mimeType: 'image/png' })

  await waitFor(() => `9 records, have ${records.length}`, () => records.length >= 8 && records.some((r) => r.media_id === good.mediaId))
  const byId = new Map(records.map((r) => [r.media_id, r]))
  const failure = (id: string) => { const r = byId.get(id); return r === undefined ? 'missing' : `${r.status}/${r.failure ?? ''}` }
  assert.equal(failure(gif.mediaId), 'failed/unsupported_type')
  assert.match(byId.get(gif.mediaId)?.reason ?? '', /image\/gif is not an allowed image type/)
  assert.equal(failure(big.mediaId), 'failed/too_large')
  assert.equal(failure(lying.mediaId), 'failed/hash_mismatch')
  assert.equal(failure(broken.mediaId), 'failed/link_expired')
  assert.equal(byId.get(broken.mediaId)?.attempts, 4, 'the webhook URL, then 3 fresh URLs')
  assert.equal(failure(offList.mediaId), 'failed/host_not_allowed')
  assert.match(byId.get(offList.mediaId)?.reason ?? '', /localhost/)
  assert.equal(failure('999999999'), 'failed/not_found')
  assert.equal(failure(hexHash.mediaId), 'ready/')
  assert.equal(byId.get(hexHash.mediaId)?.filename, 'invoice.pdf')
  assert.equal(byId.get(hexHash.mediaId)?.sha256, hexHash.sha256)
  assert.equal(failure(good.mediaId), 'ready/')
  const ready = byId.get(good.mediaId)
  assert.equal(ready?.sha256, good.sha256)
  assert.equal(ready?.event_id, `media:${good.mediaId}`)
  assert.equal(ready?.mime_type, 'image/png')
  assert.equal(ready?.storage_uri, app.store.uriFor(`${PNID}/${good.mediaId}.png`))
  assert.equal(records.length, 8, 'the text message gives no record')
  for (const r of records.filter((x) => x.status === 'failed')) {
    assert.equal(r.storage_uri, null)
    assert.ok(r.reason, `a reason for ${r.failure ?? ''}`)
    assert.equal(await app.store.head(`${PNID}/${r.media_id}.jpg`), undefined, 'nothing stored for a failure')
  }
  // The admin view of the last record.
  const res = await fetch(`${app.url ?? ''}/v1/media/${lying.mediaId}`)
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { failure: string }).failure, 'hash_mismatch')
  assert.equal((await fetch(`${app.url ?? ''}/v1/media/123`)).status, 404)
})
