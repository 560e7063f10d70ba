import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, fingerprintHex, frameSingleObject, SchemaError, type OutboundResult } from '../src/index.ts'
import { ALL_FIXTURES, plain, RECORDS } from './fixtures/records.ts'

const codec = createCodec()
const isCode = (code: string) => (err: unknown) => err instanceof SchemaError && err.code === code

test('every record type survives encode → decode unchanged', () => {
  for (const { label, name, value } of ALL_FIXTURES) {
    const buf = codec.encode(name, value as never)
    const decoded = codec.decode(buf)
    assert.equal(decoded.schema, name, label)
    assert.equal(decoded.fingerprint, fingerprintHex(name), label)
    assert.deepEqual(plain(decoded.value), value, label)
  }
})

test('the raw body comes back byte for byte and the original JSON parses back to Meta\'s object', () => {
  const raw = codec.decode(codec.encode('RawWebhook', RECORDS.RawWebhook), 'RawWebhook').value
  assert.ok(Buffer.isBuffer(raw.body))
  assert.ok(raw.body.equals(RECORDS.RawWebhook.body))
  const message = codec.decode(codec.encode('InboundMessage', RECORDS.InboundMessage), 'InboundMessage').value
  assert.deepEqual(JSON.parse(message.message_json), JSON.parse(RECORDS.InboundMessage.message_json))
})

test('encode writes exactly the single-object framing of the Avro body, for records below and above its 64 KiB scratch buffer', () => {
  for (const size of [0, 400, 64 * 1024, 3 * 1024 * 1024]) {
    const value = { ...RECORDS.RawWebhook, body: Buffer.alloc(size, 0x7b), body_size: size }
    const buf = codec.encode('RawWebhook', value)
    assert.ok(buf.equals(frameSingleObject(Buffer.from(fingerprintHex('RawWebhook'), 'hex'), codec.type('RawWebhook').toBuffer(value))), `body of ${size} bytes`)
    assert.ok(codec.decode(buf, 'RawWebhook').value.body.equals(value.body))
  }
  // Each call returns its own bytes, not a view of a buffer the next call overwrites.
  const first = codec.encode('InboundMessage', RECORDS.InboundMessage)
  const copy = Buffer.from(first)
  codec.encode('InboundMessage', { ...RECORDS.InboundMessage, message_id: 'wamid.other' })
  assert.ok(first.equals(copy))
})

test('decode with an expected name narrows, and refuses another record with SCHEMA_UNEXPECTED_NAME', () => {
  const buf = codec.encode('Alert', RECORDS.Alert)
  assert.equal(codec.decode(buf, 'Alert').value.severity, 'warning')
  assert.throws(() => codec.decode(buf, 'OutboundResult'), (err: unknown) =>
    isCode('SCHEMA_UNEXPECTED_NAME')(err) && /expected a OutboundResult record, got Alert/.test((err as Error).message))
})

test('an unknown fingerprint is SCHEMA_UNKNOWN_FINGERPRINT and names it', () => {
  const buf = Buffer.from(codec.encode('Alert', RECORDS.Alert))
  buf.writeUInt8(buf[2]! ^ 0xff, 2)
  const hex = buf.subarray(2, 10).toString('hex')
  assert.throws(() => codec.decode(buf), (err: unknown) => isCode('SCHEMA_UNKNOWN_FINGERPRINT')(err) && (err as Error).message.includes(hex))
})

test('a bad marker is SCHEMA_BAD_MARKER', () => {
  const buf = Buffer.from(codec.encode('Alert', RECORDS.Alert))
  buf[1] = 0x02
  assert.throws(() => codec.decode(buf), isCode('SCHEMA_BAD_MARKER'))
  assert.throws(() => codec.decode(Buffer.from(JSON.stringify(RECORDS.Alert))), isCode('SCHEMA_BAD_MARKER'))
})

test('a truncated, extended or garbled body is SCHEMA_CORRUPT_RECORD', () => {
  const buf = codec.encode('OutboundResult', RECORDS.OutboundResult)
  assert.throws(() => codec.decode(buf.subarray(0, buf.length - 3)), isCode('SCHEMA_CORRUPT_RECORD'))
  assert.throws(() => codec.decode(buf.subarray(0, 6)), isCode('SCHEMA_CORRUPT_RECORD'))
  assert.throws(() => codec.decode(Buffer.concat([buf, Buffer.from([0])])), isCode('SCHEMA_CORRUPT_RECORD'))
  const garbled = Buffer.concat([buf.subarray(0, 10), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])])
  assert.throws(() => codec.decode(garbled), isCode('SCHEMA_CORRUPT_RECORD'))
})

test('encoding a value that does not match is SCHEMA_INVALID_VALUE naming each bad field, not its value', () => {
  const bad = {
    ...RECORDS.OutboundResult,
    status: 'delivered',
    error: { ...RECORDS.OutboundResult.error!, class: 'sometimes' },
    attempts: 1.5
  } as unknown as OutboundResult
  assert.throws(() => codec.encode('OutboundResult', bad), (err: unknown) => {
    assert.ok(isCode('SCHEMA_INVALID_VALUE')(err))
    const e = err as SchemaError
    assert.deepEqual(e.issues.map((i) => i.path), ['status', 'error.class', 'attempts'])
    assert.match(e.message, /status: expected one of accepted, failed, expired, unknown, cancelled, got string/)
    assert.ok(!e.message.includes('delivered') && !e.message.includes('sometimes'), e.message)
    return true
  })
})

test('a missing required field is reported by name', () => {
  const { message_id: _, ...rest } = RECORDS.InboundMessage
  assert.throws(() => codec.encode('InboundMessage', rest as never), (err: unknown) =>
    isCode('SCHEMA_INVALID_VALUE')(err) && /message_id: expected string, got undefined/.test((err as Error).message))
})

test('an unknown record name is SCHEMA_UNKNOWN_NAME', () => {
  assert.throws(() => codec.encode('Nope' as never, {} as never), isCode('SCHEMA_UNKNOWN_NAME'))
})

test('a Confluent-framed record needs deserialize and a registry', async () => {
  const confluent = Buffer.from([0, 0, 0, 0, 7, 2])
  assert.throws(() => codec.decode(confluent), isCode('SCHEMA_REGISTRY_REQUIRED'))
  await assert.rejects(codec.deserialize(confluent), isCode('SCHEMA_REGISTRY_REQUIRED'))
})

test('without a registry, serialize writes single-object encoding and deserialize reads it', async () => {
  assert.equal(codec.wireFormat, 'single-object')
  const buf = await codec.serialize('wa.alerts', 'Alert', RECORDS.Alert)
  assert.ok(buf.equals(codec.encode('Alert', RECORDS.Alert)))
  assert.deepEqual(plain((await codec.deserialize(buf, 'Alert')).value), RECORDS.Alert)
})
