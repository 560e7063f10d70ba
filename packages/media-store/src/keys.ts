import { MediaStoreError } from './errors.ts'

/**
 * Checks a store key: relative, '/'-separated segments of printable characters, none empty, '.' or
 * '..', no backslash, at most 1024 characters. Keys name files under the store's root, so a key
 * must never climb out of it.
 */
export function validateKey (key: string): string {
  const bad = (why: string): never => { throw new MediaStoreError('MEDIA_KEY_INVALID', `invalid media key '${key.slice(0, 200)}': ${why}`) }
  if (key.length === 0 || key.length > 1024) bad('must have 1 to 1024 characters')
  if (key.startsWith('/')) bad('must be relative')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(key)) bad('no control characters or backslashes')
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') bad("no empty, '.' or '..' segments")
  }
  if (key.endsWith(SIDECAR_SUFFIX)) bad(`must not end in ${SIDECAR_SUFFIX}`)
  return key
}

/** Suffix of the filesystem store's metadata files (content type and sha256 beside each file). */
export const SIDECAR_SUFFIX = '.meta.json'

/** Lower-case hex of a sha256 given as hex or base64 (Meta's webhooks and API differ); undefined if neither. */
export function normalizeSha256 (value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const v = value.trim()
  if (/^[0-9a-fA-F]{64}$/.test(v)) return v.toLowerCase()
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(v)) {
    const bytes = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (bytes.length === 32) return bytes.toString('hex')
  }
  return undefined
}
