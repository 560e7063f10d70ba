import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { MediaStore } from '../src/index.ts'

const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** What every store must do, whatever its backend. */
export async function checkStoreContract (store: MediaStore): Promise<void> {
  const data = randomBytes(3000)
  const put = await store.put('106540352242922/111.jpg', data, { contentType: 'image/jpeg', sha256: createHash('sha256').update(data).digest('base64') })
  assert.equal(put.uri, store.uriFor('106540352242922/111.jpg'))
  assert.ok(put.uri.startsWith(store.baseUri))
  assert.equal(put.size, 3000)
  assert.equal(put.sha256, hex(data))
  assert.deepEqual(await store.head(put.uri), { size: 3000, contentType: 'image/jpeg', sha256: hex(data) })
  assert.deepEqual(await store.head('106540352242922/111.jpg'), { size: 3000, contentType: 'image/jpeg', sha256: hex(data) })
  const got = await store.get(put.uri)
  assert.deepEqual(got.body, data)
  assert.equal(got.sha256, hex(data))

  // A stream, with and without the expected hash; 12 MB goes in parts on S3.
  const big = randomBytes(12 * 1024 * 1024)
  const streamed = await store.put('p/big.pdf', Readable.from([big.subarray(0, 5_000_000), big.subarray(5_000_000)]), { contentType: 'application/pdf', sha256: hex(big) })
  assert.equal(streamed.size, big.length)
  assert.equal((await store.head('p/big.pdf'))?.sha256, hex(big))
  assert.deepEqual((await store.get('p/big.pdf')).body, big)
  const unknown = await store.put('p/small.txt', Readable.from([Buffer.from('abc')]), { contentType: 'text/plain' })
  assert.equal(unknown.sha256, hex(Buffer.from('abc')))

  // The wrong hash: refused, nothing kept (neither for a buffer nor a stream).
  await assert.rejects(store.put('p/bad.jpg', data, { contentType: 'image/jpeg', sha256: 'ab'.repeat(32) }), { code: 'MEDIA_HASH_MISMATCH' })
  await assert.rejects(store.put('p/bad2.jpg', Readable.from([data]), { contentType: 'image/jpeg', sha256: 'ab'.repeat(32) }), { code: 'MEDIA_HASH_MISMATCH' })
  assert.equal(await store.head('p/bad.jpg'), undefined)
  assert.equal(await store.head('p/bad2.jpg'), undefined)

  // Replacing keeps one object, the newest.
  await store.put('106540352242922/111.jpg', Buffer.from('new'), { contentType: 'image/png' })
  assert.equal((await store.head('106540352242922/111.jpg'))?.contentType, 'image/png')

  assert.equal(await store.head('nothing/here.jpg'), undefined)
  await assert.rejects(store.get('nothing/here.jpg'), { code: 'MEDIA_NOT_FOUND' })
  for (const key of ['../etc/passwd', '/abs', 'a/../b', 'a//b', 'a\\b', '', 'x.meta.json']) {
    await assert.rejects(store.put(key, data, { contentType: 'image/jpeg' }), { code: 'MEDIA_KEY_INVALID' }, key)
  }
  await assert.rejects(store.head('s3://elsewhere/x.jpg'), { code: 'MEDIA_URI_FOREIGN' })
  await assert.rejects(store.head('file:///etc/passwd'), { code: 'MEDIA_URI_FOREIGN' })
}
