import { matchesApiKey, parseApiKey, type ApiKey } from '@wabridge/schemas'

/** A valid (not revoked) key, as a request's credentials. */
export interface Caller {
  keyId: string
  ratePerSecond: number
  burst: number
  /** Whether this key may send from and read the requests of a phone number id. */
  mayUse (phoneNumberId: string): boolean
}

export interface KeyStore {
  /** Applies a record of the keys topic (the latest per key id wins; null = tombstone, the key deleted). */
  apply (keyId: string, record: ApiKey | null): void
  /** The caller a bearer token stands for; undefined for a malformed, unknown or revoked key or a wrong secret. */
  authenticate (token: string): Caller | undefined
  size (): number
}

/**
 * The keys of wa.api.keys in memory. Scope: a key may use its phone_number_ids and every number
 * WA_PHONE_WABAS maps to one of its waba_ids; a number missing from WA_PHONE_WABAS belongs to no
 * WABA, so only keys naming it directly may use it.
 */
export function createKeyStore (options: { phoneWabas: Readonly<Record<string, string>> }): KeyStore {
  const keys = new Map<string, ApiKey>()
  return {
    apply (keyId, record) {
      if (record === null) keys.delete(keyId)
      else keys.set(keyId, record)
    },
    authenticate (token) {
      const parsed = parseApiKey(token)
      const record = parsed && keys.get(parsed.keyId)
      if (!record || record.revoked_at !== null || !matchesApiKey(record, token)) return undefined
      const numbers = new Set(record.phone_number_ids)
      const wabas = new Set(record.waba_ids)
      return {
        keyId: record.key_id,
        ratePerSecond: record.rate_per_second,
        burst: record.burst,
        mayUse: (phoneNumberId) => numbers.has(phoneNumberId) ||
          (Object.hasOwn(options.phoneWabas, phoneNumberId) && wabas.has(options.phoneWabas[phoneNumberId]!))
      }
    },
    size: () => keys.size
  }
}
