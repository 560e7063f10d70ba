import assert from 'node:assert/strict'
import { test } from 'node:test'
import avro from 'avsc'
import { createCodec, loadSchemaJson, SchemaError, schemaFingerprint, schemas } from '../src/index.ts'
import { DEAD_LETTER_BEFORE_TRUNCATION, OUTBOUND_RESULT_BEFORE_SETTLEMENT, RAW_WEBHOOK_BEFORE_TRUNCATION } from './fixtures/previous-schemas.ts'
import { ALL_FIXTURES, plain, RECORDS } from './fixtures/records.ts'

type SchemaJson = { fields: Array<Record<string, unknown>> } & Record<string, unknown>

// A next version of Alert: one new field with a default (the only allowed kind of change).
function alertV2 (field: Record<string, unknown> = { name: 'runbook_url', type: ['null', 'string'], default: null }): SchemaJson {
  const v1 = loadSchemaJson('Alert') as SchemaJson
  return { ...v1, fields: [...v1.fields, field] }
}

const isCode = (code: string) => (err: unknown) => err instanceof SchemaError && err.code === code

test('a reader with a newer schema reads records written with the old one, filling the default', () => {
  const oldCodec = createCodec()
  const newCodec = createCodec({ readers: { Alert: alertV2() }, writers: [loadSchemaJson('Alert')] })
  const decoded = newCodec.decode(oldCodec.encode('Alert', RECORDS.Alert), 'Alert')
  assert.equal(decoded.fingerprint, oldCodec.fingerprintHex('Alert'))
  assert.deepEqual(plain(decoded.value), { ...RECORDS.Alert, runbook_url: null })
  assert.notEqual(newCodec.fingerprintHex('Alert'), oldCodec.fingerprintHex('Alert'))
})

test('the old writer schema is unknown until it is registered', () => {
  const buf = createCodec().encode('Alert', RECORDS.Alert)
  const newCodec = createCodec({ readers: { Alert: alertV2() } })
  assert.throws(() => newCodec.decode(buf), isCode('SCHEMA_UNKNOWN_FINGERPRINT'))
  assert.equal(newCodec.addWriterSchema(loadSchemaJson('Alert')), createCodec().fingerprintHex('Alert'))
  assert.equal(newCodec.decode(buf, 'Alert').value.name, RECORDS.Alert.name)
})

test('an old reader can read records of the newer writer once it knows that schema (new field dropped)', () => {
  const v2 = alertV2({ name: 'runbook_url', type: 'string', default: '' })
  const newCodec = createCodec({ readers: { Alert: v2 } })
  const buf = newCodec.encode('Alert', { ...RECORDS.Alert, runbook_url: 'https://runbooks.example/limits' } as never)
  const oldCodec = createCodec({ writers: [v2] })
  assert.deepEqual(plain(oldCodec.decode(buf, 'Alert').value), RECORDS.Alert)
})

test('a writer schema the reader cannot resolve is refused with SCHEMA_INCOMPATIBLE', () => {
  // The reader has a new field without a default: records of the old writer cannot fill it.
  const newCodec = createCodec({ readers: { Alert: alertV2({ name: 'runbook_url', type: 'string' }) } })
  assert.throws(() => newCodec.addWriterSchema(loadSchemaJson('Alert')), isCode('SCHEMA_INCOMPATIBLE'))
})

test('a reader schema under the wrong name and a writer of no known record are refused', () => {
  assert.throws(() => createCodec({ readers: { Alert: loadSchemaJson('InboundEvent') } }), isCode('SCHEMA_UNKNOWN_NAME'))
  const foreign = { type: 'record', name: 'Foreign', namespace: 'com.example', fields: [] }
  assert.throws(() => createCodec().addWriterSchema(foreign), isCode('SCHEMA_UNKNOWN_NAME'))
})

// The change of commit 696fdca: OutboundResult gained reason and settlement, DeadLetter
// original_truncated and original_size, RawWebhook body_truncated and body_size. The fingerprints are
// the ones Avro Java 1.12.0 computed for these files (fingerprint.test.ts pinned them until then).
type ChangedName = 'OutboundResult' | 'DeadLetter' | 'RawWebhook'
const PREVIOUS: Record<ChangedName, { text: string, javaFingerprint: bigint, added: Record<string, unknown> }> = {
  OutboundResult: { text: OUTBOUND_RESULT_BEFORE_SETTLEMENT, javaFingerprint: 0x655f70bcde887a8bn, added: { reason: null, settlement: null } },
  DeadLetter: { text: DEAD_LETTER_BEFORE_TRUNCATION, javaFingerprint: 0x56acdbe7ce080f64n, added: { original_truncated: false, original_size: 0 } },
  RawWebhook: { text: RAW_WEBHOOK_BEFORE_TRUNCATION, javaFingerprint: 0x41994df1096f7ad8n, added: { body_truncated: false, body_size: 0 } }
}
const CHANGED = Object.keys(PREVIOUS) as ChangedName[]
const previousJson = (name: ChangedName) => JSON.parse(PREVIOUS[name].text) as SchemaJson
const isChanged = (name: string): name is ChangedName => name in PREVIOUS

/** A value as the previous schema has it: without the added fields. */
function withoutAdded (name: ChangedName, value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !(key in PREVIOUS[name].added)))
}

test('the inlined previous schemas are the files Avro Java fingerprinted, and differ from the current ones only by the added fields', () => {
  for (const name of CHANGED) {
    const fingerprint = schemaFingerprint(avro.Type.forSchema(previousJson(name) as avro.Schema)).readBigUInt64LE()
    assert.equal(fingerprint, PREVIOUS[name].javaFingerprint, name)
    assert.notEqual(Buffer.from(createCodec().fingerprintHex(name), 'hex').readBigUInt64LE(), fingerprint, name)
    const current = loadSchemaJson(name) as SchemaJson
    const kept = current.fields.filter((f) => !(String(f.name) in PREVIOUS[name].added))
    assert.deepEqual(kept, previousJson(name).fields, name)
    for (const added of Object.keys(PREVIOUS[name].added)) {
      assert.ok(current.fields.some((f) => f.name === added && 'default' in f), `${name}.${added} has a default`)
    }
  }
})

test('avsc resolution: a record of the previous schema reads into the current one with the defaults, and back', () => {
  for (const { label, name, value } of ALL_FIXTURES) {
    if (!isChanged(name)) continue
    const previous = avro.Type.forSchema(previousJson(name) as avro.Schema)
    const current = schemas[name]
    const oldValue = withoutAdded(name, value)
    const upgraded = current.fromBuffer(previous.toBuffer(oldValue), current.createResolver(previous))
    assert.deepEqual(plain(upgraded), { ...oldValue, ...PREVIOUS[name].added }, label)
    const downgraded = previous.fromBuffer(current.toBuffer(value), previous.createResolver(current))
    assert.deepEqual(plain(downgraded), oldValue, label)
  }
})

test('the codec decodes records a producer with the previous .avsc wrote, filling the new fields with their defaults', () => {
  const current = createCodec({ writers: CHANGED.map(previousJson) })
  for (const { label, name, value } of ALL_FIXTURES) {
    if (!isChanged(name)) continue
    const oldProducer = createCodec({ readers: { [name]: previousJson(name) } })
    const oldValue = withoutAdded(name, value)
    const buf = oldProducer.encode(name, oldValue as never)
    assert.equal(buf.subarray(2, 10).readBigUInt64LE(), PREVIOUS[name].javaFingerprint, label)
    const decoded = current.decode(buf, name)
    assert.equal(decoded.fingerprint, oldProducer.fingerprintHex(name), label)
    assert.deepEqual(plain(decoded.value), { ...oldValue, ...PREVIOUS[name].added }, label)
  }
})

test('a consumer holding the previous .avsc reads current records (settlement and truncation fields dropped) once it has the new writer schema', () => {
  const producer = createCodec()
  for (const { label, name, value } of ALL_FIXTURES) {
    if (!isChanged(name)) continue
    const buf = producer.encode(name, value as never)
    // Single-object records carry only the writer's fingerprint: the new schema must be made known
    // to the old consumer (ship the new .avsc beside the old one, or use the registry's format).
    const unaware = createCodec({ readers: { [name]: previousJson(name) } })
    assert.throws(() => unaware.decode(buf), isCode('SCHEMA_UNKNOWN_FINGERPRINT'), label)
    const oldConsumer = createCodec({ readers: { [name]: previousJson(name) }, writers: [loadSchemaJson(name)] })
    const decoded = oldConsumer.decode(buf, name)
    assert.equal(decoded.fingerprint, producer.fingerprintHex(name), label)
    assert.deepEqual(plain(decoded.value), withoutAdded(name, value), label)
  }
})
