import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { createLocalS3 } from '@wabridge/local-s3'
import { createMediaStore } from '@wabridge/media-store'
import { collectMedia, mediaEnv, PNID, sendMedia, startMediaApp, startSimWithBridge, tempDir, uniqueName, waitFor, type SentMedia } from './helpers.ts'

test('the S3 path: ready records carry s3:// URIs whose bytes (read back from a real S3 server) match the hashes', async (t) => {
  const prefix = uniqueName('ms3')
  const dir = await tempDir(t, 'media-s3-')
  const s3 = createLocalS3({ stateDir: dir })
  t.after(() => s3.stop())
  await s3.start()
  await s3.createBucket('inbound-media')
  const { sim } = await startSimWithBridge(t, prefix)
  // Credentials through the AWS SDK's standard chain, as in production.
  const env = mediaEnv(prefix, sim.url, dir, {
    MEDIA_STORE_URL: 's3://inbound-media/wa',
    MEDIA_S3_ENDPOINT: s3.endpoint,
    MEDIA_S3_FORCE_PATH_STYLE: 'true'
  })
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY }
  process.env.AWS_ACCESS_KEY_ID = s3.accessKeyId
  process.env.AWS_SECRET_ACCESS_KEY = s3.secretAccessKey
  t.after(() => {
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID; else process.env.AWS_ACCESS_KEY_ID = saved.id
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = saved.secret
  })
  await startMediaApp(t, env)
  const records = await collectMedia(t, prefix)
  const sent: SentMedia[] = []
  for (let i = 0; i < 20; i++) {
    sent.push(await sendMedia(sim, i % 4 === 0
      ? { type: 'document', mimeType: 'application/pdf', size: 40_000 + i, filename: `f${i}.pdf` }
      : { size: 3000 + i * 10 }))
  }
  await waitFor(() => `20 records, have ${records.length}`, () => records.length >= 20, 90_000)
  const reader = createMediaStore({ url: 's3://inbound-media/wa', s3: { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } })
  t.after(() => reader.close())
  for (const s of sent) {
    const r = records.find((x) => x.media_id === s.mediaId)
    assert.equal(r?.status, 'ready', `${s.mediaId}: ${r?.reason ?? ''}`)
    assert.match(r.storage_uri ?? '', new RegExp(`^s3://inbound-media/wa/${PNID}/${s.mediaId}\\.(jpg|pdf)$`))
    const file = await reader.get(r.storage_uri as string)
    assert.equal(createHash('sha256').update(file.body).digest('hex'), s.sha256)
    assert.equal(file.sha256, s.sha256, 'the hash is kept in the object metadata')
    assert.equal(file.contentType, r.mime_type)
  }
})
