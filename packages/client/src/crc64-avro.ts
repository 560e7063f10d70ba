// The same algorithm as @wabridge/schemas' src/crc64-avro.ts, kept here so the published client needs no
// private workspace package (test/codec.test.ts checks both give the same fingerprints).
/**
 * CRC-64-AVRO, the 64-bit Rabin fingerprint the Avro specification recommends for schema
 * fingerprints ("Schema Fingerprints"), as Java's `SchemaNormalization.fingerprint64` computes it.
 */

/** The fingerprint of the empty byte string, and the polynomial the table is derived from. */
export const CRC64_AVRO_EMPTY = 0xc15d213aa4d7a795n

const MASK64 = 0xffffffffffffffffn

// Built on first use, not at import: 256 entries, each the fingerprint of one byte value.
let table: BigUint64Array | undefined

function fingerprintTable (): BigUint64Array {
  if (table) return table
  const t = new BigUint64Array(256)
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i)
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (CRC64_AVRO_EMPTY & (-(fp & 1n) & MASK64))
    t[i] = fp
  }
  table = t
  return t
}

/**
 * CRC-64-AVRO of `bytes` as an unsigned 64-bit bigint. For a schema, pass the UTF-8 bytes of its
 * Parsing Canonical Form. Java reports the same value as a signed `long`
 * (`BigInt.asIntN(64, result)`); single-object encoding writes it little-endian.
 */
export function crc64Avro (bytes: Uint8Array): bigint {
  const t = fingerprintTable()
  let fp = CRC64_AVRO_EMPTY
  for (const byte of bytes) fp = (fp >> 8n) ^ t[Number((fp ^ BigInt(byte)) & 0xffn)]!
  return fp
}
