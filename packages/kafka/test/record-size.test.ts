import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { estimateRecordBytes, fitsInBatch, RECORD_BATCH_OVERHEAD_BYTES, type SizedRecord } from '../src/index.ts'

const require = createRequire(import.meta.url)
// kafkajs' own v2 record encoder, to check the estimate against what goes on the wire.
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer }

const samples: SizedRecord[] = [
  { value: null },
  { key: 'k', value: 'v' },
  { key: Buffer.alloc(300, 1), value: Buffer.alloc(70_000, 2), headers: { 'event-id': 'e-1', 'content-type': 'application/json' } },
  { key: null, value: 'é'.repeat(1000), headers: { multi: ['a', Buffer.from('bb')], skipped: undefined } },
  { key: 'x'.repeat(20_000), value: 'y'.repeat(3_000_000) }
]

test('the estimate is an upper bound of kafkajs\' encoding, whatever the deltas, and at most 36 bytes plus 10 per header above it', () => {
  for (const record of samples) {
    const estimate = estimateRecordBytes(record)
    const headers = Object.fromEntries(Object.entries(record.headers ?? {}).filter(([, v]) => v !== undefined))
    const headerCount = Object.values(headers).flatMap((v) => Array.isArray(v) ? v : [v]).length
    for (const deltas of [{ offsetDelta: 0, timestampDelta: 0 }, { offsetDelta: 1999, timestampDelta: 3_600_000 }, { offsetDelta: 2 ** 31 - 1, timestampDelta: Number.MAX_SAFE_INTEGER }]) {
      const encoded = encodeRecord({ ...deltas, key: record.key ?? null, value: record.value, headers }).buffer.length
      assert.ok(encoded <= estimate, `encoded ${encoded} > estimate ${estimate}`)
      assert.ok(estimate - encoded <= 36 + 10 * headerCount, `estimate ${estimate} is far above ${encoded}`)
    }
  }
})

test('fitsInBatch counts the record batch overhead once', () => {
  const record = { key: 'k', value: 'v'.repeat(100) }
  const exact = RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes(record)
  assert.equal(fitsInBatch(record, exact), true)
  assert.equal(fitsInBatch(record, exact - 1), false)
})

test('fitsInBatch answers as the exact estimate does at every limit, also for multi-byte strings and array headers', () => {
  const records: SizedRecord[] = [
    { key: 'ключ', value: '{"ünïcode":"✓ 😀"}', headers: { 'event-id': 'wamid.1', trace: ['a', 'ü'] } },
    { key: 'ü😀', value: '✓✓✓✓' },
    { value: null, headers: { ü: '✓✓', é: ['😀', '😀'] } },
    { value: Buffer.from('v'), headers: { üüü: Buffer.from('a') } },
    { key: Buffer.from([1, 2, 3]), value: 'x'.repeat(300), headers: { h: undefined as unknown as string } },
    { key: null, value: null }
  ]
  for (const record of records) {
    const exact = RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes(record)
    for (let max = exact - 3; max <= exact * 3 + 200; max++) assert.equal(fitsInBatch(record, max), exact <= max, `limit ${max}, exact ${exact}`)
  }
})
