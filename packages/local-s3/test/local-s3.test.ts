import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { createLocalS3 } from '../src/index.ts'

test('a real S3 server: starts, creates a bucket, stores and returns an object with metadata, refuses a wrong secret', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'local-s3-'))
  const s3 = createLocalS3({ stateDir: dir })
  t.after(async () => { await s3.stop(); await rm(dir, { recursive: true, force: true }) })
  await s3.start()
  assert.match(s3.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)
  await s3.createBucket('media')
  await s3.createBucket('media')
  const client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } })
  t.after(() => client.destroy())
  await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'a/b.txt', Body: 'hello', ContentType: 'text/plain', Metadata: { sha256: 'x' } }))
  const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'a/b.txt' }))
  assert.equal(await got.Body?.transformToString(), 'hello')
  assert.equal(got.Metadata?.sha256, 'x')
  const wrong = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'nope' } })
  t.after(() => wrong.destroy())
  await assert.rejects(wrong.send(new GetObjectCommand({ Bucket: 'media', Key: 'a/b.txt' })))
})
