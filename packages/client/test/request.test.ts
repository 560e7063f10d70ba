import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_SEND_AHEAD_MS as GATEWAY_MAX_SEND_AHEAD_MS, PRIORITIES as GATEWAY_PRIORITIES, parseOutboundRequestJson, SchemaError, toOutboundRequestRecord,
  type ErrorClass as GatewayErrorClass, type OutboundRequest, type OutboundResult as GatewayResult, type InboundMessage as GatewayMessage,
  type InboundStatus as GatewayStatus, type Priority as GatewayPriority, type ResultStatus as GatewayResultStatus
} from '@wabridge/schemas'
import {
  ClientError, MAX_SEND_AHEAD_MS, PRIORITIES, type ErrorClass, type InboundMessage, type InboundStatus, type OutboundRequestRecord, type OutboundResult,
  type Priority, type ResultStatus, type SendRequest
} from '../src/index.ts'
import { isScheduled, toRequestRecord } from '../src/request.ts'

// The client's record types are the gateway's (checked by the compiler both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameTypes: [Same<InboundMessage, GatewayMessage>, Same<InboundStatus, GatewayStatus>, Same<OutboundRequestRecord, OutboundRequest>, Same<OutboundResult, GatewayResult>] = [true, true, true, true]
void sameTypes
const sameEnums: [Same<ResultStatus, GatewayResultStatus>, Same<ErrorClass, GatewayErrorClass>, Same<Priority, GatewayPriority>] = [true, true, true]
void sameEnums

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
  ['scheduled bulk', { ...base, message: { type: 'text', text: { body: 'Hi' } }, send_at: '2026-12-24T08:00:00+01:00', priority: 'bulk' }],
  ['send_at in the past, interactive', { ...base, message: { type: 'text', text: { body: 'Hi' } }, send_at: '2026-12-01T08:00:00Z', priority: 'interactive' }],
  ['send_at not RFC 3339', { ...base, message: { type: 'text', text: { body: 'Hi' } }, send_at: 'tomorrow 9am' }],
  ['send_at without an offset', { ...base, message: { type: 'text', text: { body: 'Hi' } }, send_at: '2026-12-24T08:00:00' }],
  ['unknown priority', { ...base, message: { type: 'text', text: { body: 'Hi' } }, priority: 'urgent' }],
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

test('the priorities and the send_at horizon are the gateway\'s', () => {
  assert.deepEqual(PRIORITIES, GATEWAY_PRIORITIES)
  assert.equal(MAX_SEND_AHEAD_MS, GATEWAY_MAX_SEND_AHEAD_MS)
})

test('send_at takes a Date; more than 365 days ahead is refused naming the field; a request is scheduled only when send_at is over 1 s ahead', () => {
  const message = { type: 'text', text: { body: 'Hi' } }
  const record = toRequestRecord({ phone_number_id: '1065', to: '16505551234', message, send_at: new Date(NOW + 3_600_000), priority: 'bulk' }, () => NOW)
  assert.equal(record.send_at, NOW + 3_600_000)
  assert.equal(record.priority, 'bulk')
  assert.equal(isScheduled(record, NOW), true)
  assert.equal(isScheduled(record, NOW + 3_599_000), false)
  assert.equal(isScheduled(toRequestRecord({ phone_number_id: '1065', to: '16505551234', message }, () => NOW), NOW), false)

  const atLimit = toRequestRecord({ phone_number_id: '1065', to: '16505551234', message, send_at: new Date(NOW + MAX_SEND_AHEAD_MS) }, () => NOW)
  assert.equal(atLimit.send_at, NOW + MAX_SEND_AHEAD_MS)
  assert.throws(() => toRequestRecord({ phone_number_id: '1065', to: '16505551234', message, send_at: new Date(NOW + MAX_SEND_AHEAD_MS + 1) }, () => NOW), (err: unknown) => {
    assert.ok(err instanceof ClientError)
    assert.equal(err.code, 'CLIENT_INVALID_REQUEST')
    assert.deepEqual(err.issues, [{ path: 'send_at', message: 'must be at most 365 days ahead' }])
    assert.equal(err.message, 'invalid request: send_at: must be at most 365 days ahead')
    return true
  })
  assert.throws(() => toRequestRecord({ phone_number_id: '1065', to: '16505551234', message, send_at: new Date(Number.NaN) }, () => NOW),
    (err: unknown) => err instanceof ClientError && err.issues[0]?.path === 'send_at')
})
