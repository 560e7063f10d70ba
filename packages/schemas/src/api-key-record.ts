// The value of wa.api.keys, matching avro/api-key.avsc field for field (a test checks it).

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
