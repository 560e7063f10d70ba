import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { Readable } from 'node:stream'
import { MediaStoreError } from './errors.ts'
import { expectedSha256, hashMismatch, HashingStream, sha256Hex } from './hashing.ts'
import { validateKey } from './keys.ts'
import type { MediaStore, ObjectInfo } from './media-store.ts'

/** Connection settings of an S3-compatible store; credentials default to the AWS SDK's chain. */
export interface S3StoreOptions {
  bucket: string
  /** Key prefix without leading or trailing '/', '' for none. */
  prefix: string
  /** Endpoint of an S3-compatible store (MinIO, S3Proxy, …); unset for AWS. */
  endpoint?: string
  region?: string
  /** Path-style URLs (http://host/bucket/key), which most S3-compatible stores need. */
  forcePathStyle?: boolean
  credentials?: { accessKeyId: string, secretAccessKey: string }
}

/** Buffers of at most this size go up in one PutObject; bigger streams go in parts (lib-storage Upload). */
const SINGLE_PUT_MAX = 8 * 1024 * 1024

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string, $metadata?: { httpStatusCode?: number } }
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404
}

/**
 * Objects in `s3://bucket/prefix/key`, their sha256 in the object metadata `x-amz-meta-sha256`.
 * A PutObject (or a multipart upload's completion) is atomic, so readers never see half an object.
 */
export function createS3Store (options: S3StoreOptions): MediaStore {
  const prefix = options.prefix.replace(/^\/+|\/+$/g, '')
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // S3-compatible stores often lack the SDK's default flexible checksums (CRC32 trailers): only where an operation requires one.
    ...(options.endpoint === undefined ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const })
  }
  const client = new S3Client(config)
  const baseUri = `s3://${options.bucket}/${prefix === '' ? '' : prefix + '/'}`
  const objectKey = (key: string): string => (prefix === '' ? '' : prefix + '/') + validateKey(key)
  const keyOf = (uriOrKey: string): string => {
    if (!uriOrKey.includes('://')) return validateKey(uriOrKey)
    if (!uriOrKey.startsWith(baseUri)) throw new MediaStoreError('MEDIA_URI_FOREIGN', `${uriOrKey} is outside the store ${baseUri}`)
    return validateKey(uriOrKey.slice(baseUri.length))
  }

  async function head (uriOrKey: string): Promise<ObjectInfo | undefined> {
    try {
      const r = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: objectKey(keyOf(uriOrKey)) }))
      const sha256 = r.Metadata?.sha256
      if (sha256 === undefined) return undefined
      return { size: r.ContentLength ?? 0, contentType: r.ContentType ?? 'application/octet-stream', sha256 }
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  return {
    kind: 's3',
    baseUri,
    uriFor: (key) => baseUri + validateKey(key),
    async put (key, body, putOptions) {
      const Key = objectKey(key)
      let expected = expectedSha256(putOptions.sha256)
      let data: Buffer | undefined = Buffer.isBuffer(body) ? body : undefined
      // A stream of unknown hash is read first: the hash goes into the metadata, which S3 takes before the bytes.
      if (data === undefined && expected === undefined) {
        const chunks: Buffer[] = []
        for await (const chunk of body as Readable) chunks.push(chunk as Buffer)
        data = Buffer.concat(chunks)
      }
      if (data !== undefined) {
        const sha256 = sha256Hex(data)
        if (expected !== undefined && expected !== sha256) throw hashMismatch(expected, sha256)
        expected = sha256
        if (data.length <= SINGLE_PUT_MAX) {
          await client.send(new PutObjectCommand({ Bucket: options.bucket, Key, Body: data, ContentType: putOptions.contentType, ContentLength: data.length, Metadata: { sha256 } }))
          return { uri: baseUri + key, size: data.length, sha256 }
        }
      }
      const sha256 = expected as string
      const hashing = new HashingStream()
      const source = data ?? (body as Readable)
      const upload = new Upload({
        client,
        params: { Bucket: options.bucket, Key, Body: (source instanceof Readable ? source : Readable.from([source])).pipe(hashing), ContentType: putOptions.contentType, Metadata: { sha256 } }
      })
      await upload.done()
      const actual = hashing.digest()
      if (actual !== sha256) {
        await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key }))
        throw hashMismatch(sha256, actual)
      }
      return { uri: baseUri + key, size: hashing.bytes, sha256 }
    },
    head,
    async get (uriOrKey) {
      const key = keyOf(uriOrKey)
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: objectKey(key) }))
        const body = Buffer.from(await (r.Body as { transformToByteArray: () => Promise<Uint8Array> }).transformToByteArray())
        return { body, size: body.length, contentType: r.ContentType ?? 'application/octet-stream', sha256: r.Metadata?.sha256 ?? sha256Hex(body) }
      } catch (err) {
        if (isNotFound(err)) throw new MediaStoreError('MEDIA_NOT_FOUND', `no media at ${baseUri}${key}`, { cause: err })
        throw err
      }
    },
    close () { client.destroy() }
  }
}
