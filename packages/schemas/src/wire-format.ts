import { SchemaError } from './errors.ts'

/** The two byte layouts a record value can have. */
export type WireFormat = 'single-object' | 'confluent'

/** Avro single-object encoding marker (spec: "Single object encoding"). */
export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01])
/** Marker + 8-byte fingerprint: strip this many bytes to get the Avro body. */
export const SINGLE_OBJECT_HEADER_BYTES = 10
/** First byte of the Confluent wire format. */
export const CONFLUENT_MAGIC_BYTE = 0x00
/** Magic byte + 4-byte schema id. */
export const CONFLUENT_HEADER_BYTES = 5

/** `C3 01`, the 8-byte fingerprint (little-endian CRC-64-AVRO), then the Avro binary body. */
export function frameSingleObject (fingerprint: Buffer, body: Buffer): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, fingerprint, body], SINGLE_OBJECT_HEADER_BYTES + body.length)
}

/** `00`, the schema id as a big-endian int32, then the Avro binary body. */
export function frameConfluent (schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES)
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0)
  header.writeInt32BE(schemaId, 1)
  return Buffer.concat([header, body], CONFLUENT_HEADER_BYTES + body.length)
}

/** Which layout `buf` has, by its first bytes; throws SCHEMA_BAD_MARKER for neither. */
export function detectWireFormat (buf: Uint8Array): WireFormat {
  if (buf.length >= 2 && buf[0] === SINGLE_OBJECT_MARKER[0] && buf[1] === SINGLE_OBJECT_MARKER[1]) return 'single-object'
  if (buf.length >= 1 && buf[0] === CONFLUENT_MAGIC_BYTE) return 'confluent'
  const start = Buffer.from(buf.subarray(0, 2)).toString('hex') || 'nothing'
  throw new SchemaError('SCHEMA_BAD_MARKER',
    `not an Avro record: starts with ${start}, expected c301 (single-object encoding) or 00 (Confluent wire format)`)
}

/** Splits a single-object record into fingerprint (8 bytes, wire order) and body. */
export function readSingleObject (buf: Buffer): { fingerprint: Buffer, body: Buffer } {
  if (detectWireFormat(buf) !== 'single-object') {
    throw new SchemaError('SCHEMA_BAD_MARKER', 'not a single-object encoded record (no c301 marker)')
  }
  if (buf.length < SINGLE_OBJECT_HEADER_BYTES) {
    throw new SchemaError('SCHEMA_CORRUPT_RECORD', `truncated record: ${buf.length} bytes, the single-object header alone is ${SINGLE_OBJECT_HEADER_BYTES}`)
  }
  return { fingerprint: buf.subarray(2, SINGLE_OBJECT_HEADER_BYTES), body: buf.subarray(SINGLE_OBJECT_HEADER_BYTES) }
}

/** Splits a Confluent-framed record into schema id and body. */
export function readConfluent (buf: Buffer): { schemaId: number, body: Buffer } {
  if (detectWireFormat(buf) !== 'confluent') {
    throw new SchemaError('SCHEMA_BAD_MARKER', 'not a Confluent wire format record (first byte is not 00)')
  }
  if (buf.length < CONFLUENT_HEADER_BYTES) {
    throw new SchemaError('SCHEMA_CORRUPT_RECORD', `truncated record: ${buf.length} bytes, the Confluent header alone is ${CONFLUENT_HEADER_BYTES}`)
  }
  return { schemaId: buf.readInt32BE(1), body: buf.subarray(CONFLUENT_HEADER_BYTES) }
}
