import { ClientError } from './errors.ts'

/** The two byte layouts of a record value. */
export type WireFormat = 'single-object' | 'confluent'

const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01])
const SINGLE_OBJECT_HEADER_BYTES = 10
const CONFLUENT_HEADER_BYTES = 5

/** Avro single-object encoding: `C3 01`, the 8-byte fingerprint (little-endian CRC-64-AVRO), the Avro body. */
export function frameSingleObject (fingerprint: Buffer, body: Buffer): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, fingerprint, body], SINGLE_OBJECT_HEADER_BYTES + body.length)
}

/** Confluent wire format: `00`, the schema id as a big-endian int32, the Avro body. */
export function frameConfluent (schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES)
  header.writeInt32BE(schemaId, 1)
  return Buffer.concat([header, body], CONFLUENT_HEADER_BYTES + body.length)
}

/** A record value split into its header and Avro body. */
export type Framed =
  | { format: 'single-object', fingerprint: Buffer, body: Buffer }
  | { format: 'confluent', schemaId: number, body: Buffer }

/** Splits a record value by its first bytes; throws CLIENT_DECODE_FAILED for anything else. */
export function unframe (buf: Buffer): Framed {
  if (buf.length >= SINGLE_OBJECT_HEADER_BYTES && buf[0] === 0xc3 && buf[1] === 0x01) {
    return { format: 'single-object', fingerprint: buf.subarray(2, SINGLE_OBJECT_HEADER_BYTES), body: buf.subarray(SINGLE_OBJECT_HEADER_BYTES) }
  }
  if (buf.length >= CONFLUENT_HEADER_BYTES && buf[0] === 0x00) {
    return { format: 'confluent', schemaId: buf.readInt32BE(1), body: buf.subarray(CONFLUENT_HEADER_BYTES) }
  }
  const start = buf.subarray(0, 2).toString('hex') || 'nothing'
  throw new ClientError('CLIENT_DECODE_FAILED',
    `not an Avro record of the gateway: ${buf.length} bytes starting with ${start}, expected c301 (single-object encoding) or 00 (Confluent wire format)`)
}
