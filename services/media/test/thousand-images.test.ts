import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { collectMedia, mediaEnv, sendMedia, startMediaApp, startSimWithBridge, tempDir, uniqueName, waitFor, type SentMedia } from './helpers.ts'

const TTL_MS = 1500

test('1,000 inbound images are all stored with matching hashes while the links expire after 1.5 s', async (t) => {
  const prefix = uniqueName('mk')
  const dir = await tempDir(t, 'media-1k-')
  const { sim } = await startSimWithBridge(t, prefix, { mediaUrlTtlMs: TTL_MS })
  const sent: SentMedia[] = []
  const send = async (n: number, from: number): Promise<void> => {
    for (let i = 0; i < n; i += 50) {
      sent.push(...await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) =>
        sendMedia(sim, { from: String(15550100000 + ((from + i + j) % 97)), size: 2000 + ((from + i + j) % 7) * 300, mimeType: (i + j) % 2 === 0 ? 'image/jpeg' : 'image/png' }))))
    }
  }
  // The first 200 wait until their webhook links expired before the worker starts.
  await send(200, 0)
  await sleep(TTL_MS + 200)
  let writes = 0
  const app = await startMediaApp(t, mediaEnv(prefix, sim.url, dir), { events: { stored: () => { writes++ } } })
  const records = await collectMedia(t, prefix)
  await send(800, 200)

  await waitFor(() => `1000 records, have ${records.length}`, () => records.length >= 1000, 150_000)
  await sleep(200)
  assert.equal(records.length, 1000, 'one record per image')
  const byId = new Map(records.map((r) => [r.media_id, r]))
  assert.equal(byId.size, 1000)
  for (const s of sent) {
    const r = byId.get(s.mediaId)
    assert.equal(r?.status, 'ready', `${s.mediaId}: ${r?.failure ?? ''} ${r?.reason ?? ''}`)
    assert.equal(r.sha256, s.sha256)
    assert.equal(r.size, s.size)
    const bytes = await readFile(fileURLToPath(r.storage_uri as string))
    assert.equal(createHash('sha256').update(bytes).digest('hex'), s.sha256)
  }
  const early = new Set(sent.slice(0, 200).map((s) => s.mediaId))
  const retried = records.filter((r) => early.has(r.media_id) && r.attempts >= 2).length
  assert.equal(retried, 200, 'every early image first hit its expired webhook link, then got a fresh one')
  assert.equal(writes, 1000, 'each image stored once')
  assert.ok(app.isReady())
})
