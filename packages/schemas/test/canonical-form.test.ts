import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadSchemaJson, SCHEMA_NAMES, schemas, toParsingCanonicalForm } from '../src/index.ts'
import { SPEC_VECTORS } from './fixtures/avro-spec-vectors.ts'

test('produces the canonical form of every case of Avro\'s schema-tests.txt', () => {
  for (const vector of SPEC_VECTORS) {
    assert.equal(toParsingCanonicalForm(JSON.parse(vector.input)), vector.canonical, vector.input)
  }
})

test('qualifies nested names with the enclosing namespace and references with full names', () => {
  const schema = {
    type: 'record',
    name: 'Outer',
    namespace: 'a.b',
    fields: [
      { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'e', type: { type: 'enum', name: 'c.E', symbols: ['X'] } }] } },
      { name: 'again', type: 'Inner' },
      { name: 'e2', type: 'c.E' },
      { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' }, default: 0 }
    ]
  }
  assert.equal(toParsingCanonicalForm(schema),
    '{"name":"a.b.Outer","type":"record","fields":[' +
    '{"name":"inner","type":{"name":"a.b.Inner","type":"record","fields":[{"name":"e","type":{"name":"c.E","type":"enum","symbols":["X"]}}]}},' +
    '{"name":"again","type":"a.b.Inner"},{"name":"e2","type":"c.E"},{"name":"ts","type":"long"}]}')
})

test('agrees with avsc\'s attribute-free schema export for every wabridge record', () => {
  for (const name of SCHEMA_NAMES) {
    const fromFile = toParsingCanonicalForm(loadSchemaJson(name))
    assert.equal(fromFile, JSON.stringify(schemas[name].schema({ exportAttrs: false })), name)
    assert.equal(toParsingCanonicalForm(schemas[name]), fromFile, name)
    assert.ok(!fromFile.includes('"doc"') && !fromFile.includes('"default"'), name)
  }
})
