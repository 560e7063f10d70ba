import assert from 'node:assert/strict'
import { test } from 'node:test'
import { detectWireFormat, frameConfluent, frameSingleObject, readConfluent, readSingleObject, SchemaError } from '../src/index.ts'

const fingerprint = Buffer.from('0102030405060708', 'hex')
const body = Buffer.from('hello')

test('single-object framing: C3 01, 8-byte fingerprint, body', () => {
  const framed = frameSingleObject(fingerprint, body)
  assert.equal(framed.toString('hex'), 'c301' + '0102030405060708' + body.toString('hex'))
  assert.equal(detectWireFormat(framed), 'single-object')
  const read = readSingleObject(framed)
  assert.deepEqual([read.fingerprint, read.body], [fingerprint, body])
})

test('Confluent framing: 00, big-endian schema id, body', () => {
  const framed = frameConfluent(0x01020304, body)
  assert.equal(framed.toString('hex'), '00' + '01020304' + body.toString('hex'))
  assert.equal(detectWireFormat(framed), 'confluent')
  assert.deepEqual(readConfluent(framed), { schemaId: 0x01020304, body })
})

test('anything else is SCHEMA_BAD_MARKER, headers cut short are SCHEMA_CORRUPT_RECORD', () => {
  for (const bad of [Buffer.from('{"a":1}'), Buffer.from([0xc3, 0x02, 1]), Buffer.alloc(0), Buffer.from([0xc3])]) {
    assert.throws(() => detectWireFormat(bad), (err: unknown) => err instanceof SchemaError && err.code === 'SCHEMA_BAD_MARKER')
  }
  assert.throws(() => readSingleObject(Buffer.from('c30101020304', 'hex')), { code: 'SCHEMA_CORRUPT_RECORD' })
  assert.throws(() => readConfluent(Buffer.from('000001', 'hex')), { code: 'SCHEMA_CORRUPT_RECORD' })
  assert.throws(() => readConfluent(frameSingleObject(fingerprint, body)), { code: 'SCHEMA_BAD_MARKER' })
})
