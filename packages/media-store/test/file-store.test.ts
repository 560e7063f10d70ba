import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createMediaStore, mediaStoreFromEnv, normalizeSha256 } from '../src/index.ts'
import { checkStoreContract } from './store-contract.ts'

test('the filesystem store keeps bytes, type and sha256, refuses bad keys and hashes, leaves no temporary files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'media-store-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const store = createMediaStore({ url: pathToFileURL(dir).href })
  assert.equal(store.kind, 'file')
  await checkStoreContract(store)
  const files = await readdir(join(dir, 'p'))
  assert.deepEqual(files.filter((f) => f.includes('.tmp-')), [])
  // A file whose sidecar is missing is a put that did not finish: absent.
  await writeFile(join(dir, 'p', 'half.jpg'), 'half')
  assert.equal(await store.head('p/half.jpg'), undefined)
})

test('config by URL: file:///abs, s3://bucket/prefix; anything else refused', () => {
  assert.equal(mediaStoreFromEnv({ MEDIA_STORE_URL: 'file:///tmp/x' }).baseUri, 'file:///tmp/x/')
  const s3 = mediaStoreFromEnv({ MEDIA_STORE_URL: 's3://bucket/some/prefix', MEDIA_S3_ENDPOINT: 'http://127.0.0.1:1', MEDIA_S3_FORCE_PATH_STYLE: 'true' })
  assert.equal(s3.kind, 's3')
  assert.equal(s3.uriFor('a/b.jpg'), 's3://bucket/some/prefix/a/b.jpg')
  s3.close()
  assert.throws(() => createMediaStore({ url: 'http://example.com/x' }), { code: 'MEDIA_STORE_CONFIG_INVALID' })
  assert.throws(() => mediaStoreFromEnv({ MEDIA_STORE_URL: 'relative/dir' }), /MEDIA_STORE_URL/)
})

test('sha256 in hex or base64 normalizes to lower-case hex', () => {
  const hexValue = 'AB'.repeat(32)
  assert.equal(normalizeSha256(hexValue), 'ab'.repeat(32))
  assert.equal(normalizeSha256(Buffer.from('ab'.repeat(32), 'hex').toString('base64')), 'ab'.repeat(32))
  assert.equal(normalizeSha256('nope'), undefined)
  assert.equal(normalizeSha256(null), undefined)
})
