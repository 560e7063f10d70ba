import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CRC64_AVRO_EMPTY, crc64Avro } from '../src/index.ts'
import { SPEC_VECTORS } from './fixtures/avro-spec-vectors.ts'

test('the fingerprint of no bytes is the CRC-64-AVRO empty value', () => {
  assert.equal(crc64Avro(new Uint8Array()), 0xc15d213aa4d7a795n)
  assert.equal(CRC64_AVRO_EMPTY, 0xc15d213aa4d7a795n)
})

test('matches every fingerprint of Avro\'s schema-tests.txt', () => {
  const withFingerprint = SPEC_VECTORS.filter((v) => v.fingerprint !== undefined)
  assert.equal(withFingerprint.length, 25)
  for (const vector of withFingerprint) {
    const fp = BigInt.asIntN(64, crc64Avro(Buffer.from(vector.canonical, 'utf8')))
    assert.equal(fp, vector.fingerprint, vector.canonical)
  }
})

test('"int" fingerprints to 0x7275d51a3f395c8f (Java parsingFingerprint64 = 8247732601305521295)', () => {
  assert.equal(crc64Avro(Buffer.from('"int"')), 0x7275d51a3f395c8fn)
})

test('a one-byte change changes the fingerprint', () => {
  assert.notEqual(crc64Avro(Buffer.from('"int"')), crc64Avro(Buffer.from('"inu"')))
})
