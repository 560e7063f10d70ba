import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, loadSchemaJson, SchemaError } from '../src/index.ts'
import { plain, RECORDS } from './fixtures/records.ts'

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
