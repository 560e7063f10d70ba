// The value of wa.api.keys, matching avro/api-key.avsc field for field (a test checks it), and the
// form of the keys it stands for.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** An API key of the HTTP API as stored (topic wa.api.keys, compacted, key = key_id). Times are epoch milliseconds. */
export interface ApiKey {
  /** Public id: the part of the key before its secret. */
  key_id: string
  name: string | null
  /** SHA-256 of the key's secret, lowercase hex; the key itself is never stored. */
  secret_sha256: string
  /** WABAs whose numbers the key may use. */
  waba_ids: string[]
  /** Phone number ids the key may use, beside those of its WABAs. */
  phone_number_ids: string[]
  /** Token bucket refill rate, requests per second. */
  rate_per_second: number
  /** Token bucket size, requests. */
  burst: number
  created_at: number
  /** Null while the key is valid. */
  revoked_at: number | null
}

/** Every API key starts with this, so a leaked key is recognisable (secret scanners) and its form is checked first. */
export const API_KEY_PREFIX = 'wab_'

const KEY_ID = /^k[0-9a-f]{16}$/
const SECRET = /^[A-Za-z0-9_-]{43}$/

/** A new key: its public id, the key to hand out once (`wab_<key_id>_<secret>`), and what is stored instead of the key. */
export function generateApiKey (): { keyId: string, key: string, secretSha256: string } {
  const keyId = `k${randomBytes(8).toString('hex')}`
  // 32 random bytes: 256 bits of entropy, so a fast hash is safe (no password stretching needed).
  const secret = randomBytes(32).toString('base64url')
  return { keyId, key: `${API_KEY_PREFIX}${keyId}_${secret}`, secretSha256: sha256Hex(secret) }
}

/** The key id and the SHA-256 of the secret of a key as handed out, or undefined when it is not of that form. */
export function parseApiKey (key: string): { keyId: string, secretSha256: string } | undefined {
  if (!key.startsWith(API_KEY_PREFIX)) return undefined
  const rest = key.slice(API_KEY_PREFIX.length)
  const sep = rest.indexOf('_')
  const keyId = rest.slice(0, sep)
  const secret = rest.slice(sep + 1)
  if (sep < 0 || !KEY_ID.test(keyId) || !SECRET.test(secret)) return undefined
  return { keyId, secretSha256: sha256Hex(secret) }
}

/** Whether `key` (as handed out) is the key of `record`; constant time in the secret. */
export function matchesApiKey (record: Pick<ApiKey, 'key_id' | 'secret_sha256'>, key: string): boolean {
  const parsed = parseApiKey(key)
  if (!parsed || parsed.keyId !== record.key_id) return false
  const stored = Buffer.from(record.secret_sha256, 'hex')
  const given = Buffer.from(parsed.secretSha256, 'hex')
  return stored.length === given.length && timingSafeEqual(stored, given)
}

function sha256Hex (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}
