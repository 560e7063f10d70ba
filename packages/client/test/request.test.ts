import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseOutboundRequestJson, SchemaError, toOutboundRequestRecord, type OutboundRequest, type OutboundResult as GatewayResult, type InboundMessage as GatewayMessage, type InboundStatus as GatewayStatus } from '@wabridge/schemas'
import { ClientError, type InboundMessage, type InboundStatus, type OutboundRequestRecord, type OutboundResult, type SendRequest } from '../src/index.ts'
import { toRequestRecord } from '../src/request.ts'

// The client's record types are the gateway's (checked by the compiler both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameTypes: [Same<InboundMessage, GatewayMessage>, Same<InboundStatus, GatewayStatus>, Same<OutboundRequestRecord, OutboundRequest>, Same<OutboundResult, GatewayResult>] = [true, true, true, true]
void sameTypes

const NOW = Date.parse('2026-12-06T10:00:00Z')
const base = { request_id: 'r-1', phone_number_id: '106540352242922', to: '+16505551234', created_at: '2026-12-06T09:00:00Z' }

// Valid and invalid requests; each is checked against the gateway's own validation.
const CASES: Array<[string, unknown]> = [
  ['text', { ...base, message: { type: 'text', text: { body: 'Hi' } } }],
  ['template with expiry and metadata', { ...base, message: { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }, expires_at: '2026-12-06T11:00:00+01:00', metadata: { a: 'b' } }],
  ['reply with callback data', { ...base, message: { type: 'text', text: { body: 'Hi' }, context: { message_id: 'wamid.X' }, biz_opaque_callback_data: 'x' } }],
  ['mark as read', { ...base, message: { status: 'read', message_id: 'wamid.X', typing_indicator: { type: 'text' } } }],
  ['group', { ...base, to: 'group.123@g', message: { type: 'text', recipient_type: 'group', text: { body: 'Hi' } } }],
  ['contacts array', { ...base, message: { type: 'contacts', contacts: [{ name: { formatted_name: 'A' } }] } }],
  ['phone number as sender', { ...base, phone_number_id: '+1 555', message: { type: 'text', text: { body: 'Hi' } } }],
  ['missing payload object', { ...base, message: { type: 'text' } }],
  ['messaging_product and to in message', { ...base, message: { type: 'text', text: { body: 'Hi' }, messaging_product: 'whatsapp', to: '1' } }],
  ['bad status', { ...base, message: { status: 'delivered', message_id: 'x' } }],
  ['no type', { ...base, message: { text: { body: 'Hi' } } }],
  ['bad recipient', { ...base, to: 'hello', message: { type: 'text', text: { body: 'Hi' } } }],
  ['unknown top-level field', { ...base, expires: '2026-12-06T11:00:00Z', message: { type: 'text', text: { body: 'Hi' } } }],
  ['bad time', { ...base, expires_at: '06/12/2026', message: { type: 'text', text: { body: 'Hi' } } }],
  ['metadata not strings', { ...base, metadata: { n: 1 }, message: { type: 'text', text: { body: 'Hi' } } }],
  ['callback data too long', { ...base, message: { type: 'text', text: { body: 'Hi' }, biz_opaque_callback_data: 'x'.repeat(513) } }]
]

test('the client accepts and refuses exactly what the gateway does, with the same issues, and builds the same record', () => {
  for (const [name, input] of CASES) {
    let expected: OutboundRequest | SchemaError
    try {
      expected = toOutboundRequestRecord(parseOutboundRequestJson(input))
    } catch (err) {
      expected = err as SchemaError
    }
    let actual: OutboundRequestRecord | ClientError
    try {
      actual = toRequestRecord(input as SendRequest, () => NOW)
    } catch (err) {
      actual = err as ClientError
    }
    if (expected instanceof SchemaError) {
      assert.ok(actual instanceof ClientError, `${name}: the gateway refuses it, the client accepted it`)
      assert.equal(actual.code, 'CLIENT_INVALID_REQUEST')
      assert.deepEqual(actual.issues, expected.issues, name)
    } else {
      assert.deepEqual(actual, expected, name)
    }
  }
})

test('request_id defaults to a UUID, created_at to the clock; Dates are taken for times', () => {
  const record = toRequestRecord({ phone_number_id: '1065', to: '16505551234', message: { type: 'text', text: { body: 'Hi' } }, expires_at: new Date(NOW + 60_000) }, () => NOW)
  assert.match(record.request_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  assert.equal(record.created_at, NOW)
  assert.equal(record.expires_at, NOW + 60_000)
  assert.deepEqual(record.metadata, {})
})

test('a request that is not an object is refused, not thrown as a TypeError', () => {
  assert.throws(() => toRequestRecord(null as unknown as SendRequest), (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_INVALID_REQUEST')
})
