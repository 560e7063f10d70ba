import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLocalS3 } from '@wabridge/local-s3'
import { createMediaStore } from '../src/index.ts'
import { checkStoreContract } from './store-contract.ts'

test('the S3 store against a real S3-compatible server (S3Proxy): same contract, sha256 in object metadata', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'media-s3-'))
  const s3 = createLocalS3({ stateDir: dir })
  t.after(async () => { await s3.stop(); await rm(dir, { recursive: true, force: true }) })
  await s3.start()
  await s3.createBucket('wabridge-media')
  const store = createMediaStore({
    url: 's3://wabridge-media/inbound',
    s3: { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
  })
  t.after(() => store.close())
  assert.equal(store.kind, 's3')
  assert.equal(store.baseUri, 's3://wabridge-media/inbound/')
  await checkStoreContract(store)
})
