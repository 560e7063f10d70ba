import assert from 'node:assert/strict'
import { test } from 'node:test'
import { contentTypeFor, SCHEMA_NAMES, schemaNameForContentType } from '../src/index.ts'

test('names each record as a vendor Avro media type', () => {
  assert.equal(contentTypeFor('InboundMessage'), 'application/vnd.wabridge.inbound-message.v1+avro')
  assert.equal(contentTypeFor('DeadLetter'), 'application/vnd.wabridge.dead-letter.v1+avro')
  assert.equal(contentTypeFor('Alert'), 'application/vnd.wabridge.alert.v1+avro')
})

test('maps a content type back to its record name, ignoring case and parameters', () => {
  for (const name of SCHEMA_NAMES) assert.equal(schemaNameForContentType(contentTypeFor(name)), name)
  assert.equal(schemaNameForContentType('Application/VND.wabridge.outbound-request.v1+avro; charset=binary'), 'OutboundRequest')
  assert.equal(schemaNameForContentType('application/json'), undefined)
})
