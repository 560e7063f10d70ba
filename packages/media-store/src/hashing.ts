import { createHash, type Hash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { MediaStoreError } from './errors.ts'
import { normalizeSha256 } from './keys.ts'

/** A pass-through that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  readonly #hash: Hash = createHash('sha256')
  bytes = 0
  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk)
    this.bytes += chunk.length
    callback(null, chunk)
  }

  /** Lower-case hex; call once, after the stream ended. */
  digest (): string {
    return this.#hash.digest('hex')
  }
}

export const sha256Hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** The expected hash as lower-case hex; MEDIA_HASH_MISMATCH when it is neither hex nor base64 of 32 bytes. */
export function expectedSha256 (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const hex = normalizeSha256(value)
  if (hex === undefined) throw new MediaStoreError('MEDIA_HASH_MISMATCH', `expected sha256 '${value.slice(0, 100)}' is neither hex nor base64 of 32 bytes`)
  return hex
}

export function hashMismatch (expected: string, actual: string): MediaStoreError {
  return new MediaStoreError('MEDIA_HASH_MISMATCH', `sha256 of the bytes is ${actual}, expected ${expected}`)
}
