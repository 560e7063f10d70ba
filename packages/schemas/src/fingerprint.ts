import avro, { type Type } from 'avsc'
import { toParsingCanonicalForm } from './canonical-form.ts'
import { crc64Avro } from './crc64-avro.ts'
import type { SchemaName } from './schema-files.ts'
import { schemaType } from './schemas.ts'

const cache = new WeakMap<Type, Buffer>()

/**
 * The CRC-64-AVRO fingerprint of a schema's Parsing Canonical Form as the 8 bytes single-object
 * encoding writes (little-endian; Java's `parsingFingerprint("CRC-64-AVRO", schema)`). Computed
 * once per Type.
 */
export function schemaFingerprint (schema: Type | avro.Schema | Record<string, unknown>): Buffer {
  const type = avro.Type.isType(schema) ? schema as Type : undefined
  const cached = type && cache.get(type)
  if (cached) return cached
  const fp = Buffer.alloc(8)
  fp.writeBigUInt64LE(crc64Avro(Buffer.from(toParsingCanonicalForm(schema), 'utf8')))
  if (type) cache.set(type, fp)
  return fp
}

/**
 * The fingerprint of the bundled schema `name` as 16 lower-case hex characters, in wire byte order
 * (the same hex as bytes 2–9 of a single-object record). Used as the `schema-fingerprint` header.
 */
export function fingerprintHex (name: SchemaName): string {
  return schemaFingerprint(schemaType(name)).toString('hex')
}
