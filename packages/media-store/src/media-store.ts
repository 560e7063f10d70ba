import type { Readable } from 'node:stream'

/** Options of put: the content type, and the sha256 the bytes must have (hex or base64), if known. */
export interface PutOptions {
  contentType: string
  /** When given, the store refuses (MEDIA_HASH_MISMATCH) bytes with another hash and keeps nothing. */
  sha256?: string
}

/** What put stored. */
export interface StoredObject {
  uri: string
  size: number
  /** Lower-case hex. */
  sha256: string
}

/** What head knows of a stored object. */
export interface ObjectInfo {
  size: number
  contentType: string
  /** Lower-case hex, kept beside the object (sidecar file or object metadata). */
  sha256: string
}

/** A stored object with its bytes. */
export interface StoredFile extends ObjectInfo {
  body: Buffer
}

/**
 * Media files by key ('{phone_number_id}/{media_id}.jpg'): the local filesystem (file:///dir) or an
 * S3-compatible bucket (s3://bucket/prefix). Every object carries its content type and sha256.
 */
export interface MediaStore {
  /** 'file' or 's3'. */
  readonly kind: 'file' | 's3'
  /** The store's base URI (file:///dir/ or s3://bucket/prefix/). */
  readonly baseUri: string
  /** The URI a key is (or would be) stored at. */
  uriFor (key: string): string
  /** Stores the bytes at key, replacing what is there; atomic (readers see the old or the new object, whole). */
  put (key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject>
  /** Size, type and sha256 of an object by URI or key; undefined when absent (or half-written). */
  head (uriOrKey: string): Promise<ObjectInfo | undefined>
  /** The object's bytes; MEDIA_NOT_FOUND when absent. */
  get (uriOrKey: string): Promise<StoredFile>
  /** Releases clients (S3). Idempotent. */
  close (): void
}
