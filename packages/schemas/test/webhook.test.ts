import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MessagesValueSchema, metaTimestampToMs, parseMessagesValue, parseWebhookPayload, SchemaError, WebhookPayloadSchema
} from '../src/index.ts'
import {
  accountUpdateChange, errorsChange, futureMessage, messagesChange, qualityUpdateChange, statusesChange, systemMessage, WABA_ID,
  webhookBody
} from './fixtures/webhooks.ts'

const clone = <T>(value: T): T => structuredClone(value)
const isInvalid = (path: string) => (err: unknown) =>
  err instanceof SchemaError && err.code === 'SCHEMA_INVALID_PAYLOAD' && err.issues.some((i) => i.path === path)

test('accepts a body with messages, statuses, errors and WABA-level changes, returning it unchanged', () => {
  const parsed = parseWebhookPayload(clone(webhookBody))
  assert.deepEqual(parsed, webhookBody)
  assert.equal(parsed.entry[0]!.id, WABA_ID)
  assert.equal(parsed.entry[1]!.time, 1750263901)
})

test('unknown fields at every level pass through intact', () => {
  const body = clone(webhookBody) as Record<string, unknown> & typeof webhookBody
  body.new_envelope_field = 1
  ;(body.entry[0] as Record<string, unknown>).new_entry_field = 'x'
  ;(body.entry[0]!.changes[0] as Record<string, unknown>).new_change_field = true
  const parsed = parseWebhookPayload(body) as Record<string, unknown>
  assert.deepEqual(parsed, body)
})

test('a messages value parses with its messages (an unknown type with unknown fields included), contacts and metadata', () => {
  const value = parseMessagesValue(clone(messagesChange.value))
  assert.deepEqual(value, messagesChange.value)
  assert.equal(value.messages![1]!.type, 'hologram')
  assert.deepEqual(value.messages![1], futureMessage)
  assert.equal(value.contacts![0]!.profile!.name, 'Sofía Gómez')
})

test('statuses, async errors and a system message without contacts parse', () => {
  const statuses = parseMessagesValue(clone(statusesChange.value))
  assert.equal(statuses.statuses![0]!.pricing!.category, 'utility')
  assert.deepEqual(statuses.statuses![1]!.errors!.map((e) => e.code), [131047])
  assert.equal(parseMessagesValue(clone(errorsChange.value)).errors![0]!.code, 130429)
  const system = { messaging_product: 'whatsapp', metadata: messagesChange.value.metadata, messages: [systemMessage] }
  assert.deepEqual(parseMessagesValue(clone(system)), system)
})

test('WABA-level changes only need field and an object value', () => {
  for (const change of [accountUpdateChange, qualityUpdateChange]) {
    const body = { object: 'whatsapp_business_account', entry: [{ id: WABA_ID, time: 1750263901, changes: [change] }] }
    assert.deepEqual(WebhookPayloadSchema.parse(clone(body)), body)
  }
})

test('rejects another object type, naming the field', () => {
  const body = { ...clone(webhookBody), object: 'page' }
  assert.throws(() => parseWebhookPayload(body), (err: unknown) =>
    isInvalid('object')(err) && /object: must be "whatsapp_business_account"/.test((err as Error).message))
})

test('rejects a body without entries, an entry without changes and a change without a value', () => {
  assert.throws(() => parseWebhookPayload({ object: 'whatsapp_business_account' }), isInvalid('entry'))
  assert.throws(() => parseWebhookPayload({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID }] }), isInvalid('entry.0.changes'))
  const noValue = { object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes: [{ field: 'messages' }] }] }
  assert.throws(() => parseWebhookPayload(noValue), (err: unknown) =>
    isInvalid('entry.0.changes.0.value')(err) && /entry\.0\.changes\.0\.value: is required/.test((err as Error).message))
})

test('a message needs id, from, timestamp and type; a status needs id, status, timestamp and recipient_id', () => {
  const value = clone(messagesChange.value) as { messages: Array<Record<string, unknown>> }
  delete value.messages[0]!.from
  assert.throws(() => parseMessagesValue(value), isInvalid('messages.0.from'))
  const statuses = clone(statusesChange.value) as { statuses: Array<Record<string, unknown>> }
  delete statuses.statuses[1]!.recipient_id
  assert.throws(() => parseMessagesValue(statuses), isInvalid('statuses.1.recipient_id'))
  assert.equal(MessagesValueSchema.safeParse({ messages: [] }).success, false, 'metadata is required')
})

test('timestamps are unix seconds as digits; converted to epoch milliseconds', () => {
  assert.equal(metaTimestampToMs('1750263773'), 1750263773000)
  assert.equal(metaTimestampToMs(1750263773), 1750263773000)
  const value = clone(messagesChange.value) as { messages: Array<Record<string, unknown>> }
  value.messages[0]!.timestamp = '2025-06-18T16:22:53Z'
  assert.throws(() => parseMessagesValue(value), isInvalid('messages.0.timestamp'))
})
