import type { IHeaders } from 'kafkajs'

/**
 * Bytes of a v2 record batch besides its records (base offset, length, epoch, magic, CRC,
 * attributes, offsets, timestamps, producer id/epoch, base sequence, record count). The broker
 * compares this plus the records against the topic's max.message.bytes.
 */
export const RECORD_BATCH_OVERHEAD_BYTES = 61

/**
 * Most bytes one record adds besides its key, value and header names and values: length,
 * attributes, timestamp delta (a varlong, up to 10 bytes), offset delta, key and value lengths
 * and header count, each varint at its largest.
 */
const RECORD_OVERHEAD_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5
/** Most bytes a header adds besides its name and value (two varint lengths). */
const HEADER_OVERHEAD_BYTES = 5 + 5

/** What the estimate looks at: a record as kafkajs takes it. */
export interface SizedRecord {
  key?: string | Buffer | null | undefined
  value: string | Buffer | null
  headers?: IHeaders | undefined
}

const byteLength = (data: string | Buffer | null | undefined) =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length

/**
 * An upper bound of the bytes `record` takes in an uncompressed v2 record batch: key, value,
 * header names and values, plus the largest encoding of every length and delta. Add
 * RECORD_BATCH_OVERHEAD_BYTES once per batch (per partition per produce request).
 */
export function estimateRecordBytes (record: SizedRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(record.key) + byteLength(record.value)
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (value === undefined) continue
    // kafkajs writes an array value as one header per element, each with the name.
    for (const one of Array.isArray(value) ? value : [value]) {
      bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + byteLength(one)
    }
  }
  return bytes
}

/** At least byteLength(data), from lengths alone: a UTF-16 unit is at most 3 UTF-8 bytes. */
const lengthBound = (data: string | Buffer | null | undefined) =>
  data === null || data === undefined ? 0 : typeof data === 'string' ? 3 * data.length : data.length

/** At least estimateRecordBytes(record), without measuring a string's UTF-8 bytes. */
function quickRecordBound (record: SizedRecord): number {
  let bytes = RECORD_OVERHEAD_BYTES + lengthBound(record.key) + lengthBound(record.value)
  const headers = record.headers ?? {}
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    if (!Array.isArray(value)) bytes += HEADER_OVERHEAD_BYTES + 3 * name.length + lengthBound(value)
    else for (const one of value) bytes += HEADER_OVERHEAD_BYTES + 3 * name.length + lengthBound(one)
  }
  return bytes
}

/**
 * True when `record` fits in a batch of its own under `maxMessageBytes` (see estimateRecordBytes).
 * A record far below the limit is judged from its lengths alone (quickRecordBound); only one near
 * it has its strings' UTF-8 bytes measured.
 */
export function fitsInBatch (record: SizedRecord, maxMessageBytes: number): boolean {
  return RECORD_BATCH_OVERHEAD_BYTES + quickRecordBound(record) <= maxMessageBytes ||
    RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes(record) <= maxMessageBytes
}
