/** Codes of MediaStoreError. */
export type MediaStoreErrorCode = 'MEDIA_KEY_INVALID' | 'MEDIA_URI_FOREIGN' | 'MEDIA_HASH_MISMATCH' | 'MEDIA_NOT_FOUND' | 'MEDIA_STORE_CONFIG_INVALID'

/** A refusal of the store: a bad key, a URI of another store, bytes that do not match their sha256, a missing object. */
export class MediaStoreError extends Error {
  readonly code: MediaStoreErrorCode
  constructor (code: MediaStoreErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'MediaStoreError'
    this.code = code
  }
}
