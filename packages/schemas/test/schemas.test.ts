import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { test } from 'node:test'
import avro from 'avsc'
import {
  ALERT_SEVERITIES, ALERT_STATES, AVRO_DIR, AVRO_NAMESPACE, ERROR_CLASSES, RESULT_STATUSES, SCHEMA_FILES, SCHEMA_NAMES, schemas,
  toParsingCanonicalForm
} from '../src/index.ts'
import { ALL_FIXTURES, RECORDS } from './fixtures/records.ts'

interface FieldLike { name: string, type: avro.Type }
const fieldsOf = (type: avro.Type) => (type as unknown as { fields: FieldLike[] }).fields

function findNamed (type: avro.Type, fullName: string): avro.Type | undefined {
  for (const field of fieldsOf(type)) {
    const branches = (field.type as unknown as { types?: avro.Type[] }).types ?? [field.type]
    const hit = branches.find((t) => t.name === fullName)
    if (hit) return hit
  }
  return undefined
}

test('every .avsc file parses alone, with the namespace and the name it is listed under', () => {
  // Every .avsc file of the folder is listed, once.
  assert.deepEqual(readdirSync(AVRO_DIR).filter((f) => f.endsWith('.avsc')).sort(), SCHEMA_NAMES.map((n) => basename(SCHEMA_FILES[n])).sort())
  for (const name of SCHEMA_NAMES) {
    const type = avro.Type.forSchema(JSON.parse(readFileSync(SCHEMA_FILES[name], 'utf8')) as avro.Schema)
    assert.equal(type.name, `${AVRO_NAMESPACE}.${name}`)
    assert.equal(schemas[name].name, type.name)
  }
})

test('every fixture is valid for its type and has exactly the fields of its .avsc file', () => {
  assert.deepEqual(new Set(ALL_FIXTURES.map((f) => f.name)), new Set(SCHEMA_NAMES))
  for (const { label, name, value } of ALL_FIXTURES) {
    const problems: string[] = []
    const ok = schemas[name].isValid(value, { noUndeclaredFields: true, errorHook: (path) => problems.push(path.join('.')) })
    assert.ok(ok, `${label}: ${problems.join(', ')}`)
    assert.deepEqual(Object.keys(value), fieldsOf(schemas[name]).map((f) => f.name), label)
  }
})

test('isValid catches a value that does not match (the check above can fail)', () => {
  const bad = { ...RECORDS.OutboundResult, status: 'delivered' }
  assert.equal(schemas.OutboundResult.isValid(bad), false)
  const { received_at: _, ...missing } = RECORDS.InboundMessage
  assert.equal(schemas.InboundMessage.isValid(missing), false)
})

test('the TypeScript enum constants list the symbols of the Avro enums', () => {
  const symbols = (type: avro.Type | undefined) => (type as unknown as { symbols: string[] }).symbols
  const result = schemas.OutboundResult
  assert.deepEqual(symbols(fieldsOf(result).find((f) => f.name === 'status')!.type), [...RESULT_STATUSES])
  const resultError = findNamed(result, `${AVRO_NAMESPACE}.ResultError`)!
  assert.deepEqual(symbols(fieldsOf(resultError).find((f) => f.name === 'class')!.type), [...ERROR_CLASSES])
  const alertFields = fieldsOf(schemas.Alert)
  assert.deepEqual(symbols(alertFields.find((f) => f.name === 'state')!.type), [...ALERT_STATES])
  assert.deepEqual(symbols(alertFields.find((f) => f.name === 'severity')!.type), [...ALERT_SEVERITIES])
})

test('ResultError is defined identically in outbound-result.avsc and dead-letter.avsc', () => {
  const name = `${AVRO_NAMESPACE}.ResultError`
  const inResult = findNamed(schemas.OutboundResult, name)
  const inDeadLetter = findNamed(schemas.DeadLetter, name)
  assert.ok(inResult && inDeadLetter)
  assert.equal(JSON.stringify(inResult.schema({ exportAttrs: true })), JSON.stringify(inDeadLetter.schema({ exportAttrs: true })))
})

test('every nullable field is ["null", T] with default null, so fields can be added compatibly', () => {
  for (const name of SCHEMA_NAMES) {
    const json = JSON.parse(readFileSync(SCHEMA_FILES[name], 'utf8')) as { fields: Array<{ name: string, type: unknown, default?: unknown }> }
    for (const field of json.fields) {
      if (!Array.isArray(field.type)) continue
      assert.equal(field.type[0], 'null', `${name}.${field.name}`)
      assert.equal(field.type.length, 2, `${name}.${field.name}`)
      assert.equal(field.default, null, `${name}.${field.name}`)
    }
  }
})

test('the lazily loaded types are parsed once and their canonical forms differ', () => {
  assert.equal(schemas.Alert, schemas.Alert)
  const forms = new Set(SCHEMA_NAMES.map((name) => toParsingCanonicalForm(schemas[name])))
  assert.equal(forms.size, SCHEMA_NAMES.length)
})
