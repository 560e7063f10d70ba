import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IngressError } from '../src/errors.ts'
import { parseWebhookJson, splitWebhook } from '../src/split-webhook.ts'
import { asyncError, contact, envelope, messageFixtures, messageWebhook, metadata, PHONE_NUMBER_ID, statusFixtures } from './fixtures/webhooks.ts'

const RECEIVED_AT = 1_750_263_999_000

test('unknown message types and unknown fields pass through intact', () => {
  const message = messageFixtures().future_type!
  const [record] = splitWebhook(messageWebhook(message), RECEIVED_AT)
  assert.equal(record?.topic, 'inboundMessages')
  assert.equal(record.schema === 'InboundMessage' && record.value.type, 'hologram')
  assert.deepEqual(record.schema === 'InboundMessage' && JSON.parse(record.value.message_json), message)
})

test('the JSON texts keep the order of fields as received', () => {
  const body = '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{"metadata":{"phone_number_id":"2","display_phone_number":"3"},"messages":[{"zeta":1,"type":"text","timestamp":"5","id":"wamid.Z","from":"4","text":{"body":"x"}}]},"field":"messages"}]}]}'
  const [record] = splitWebhook(parseWebhookJson(Buffer.from(body), 64), RECEIVED_AT)
  assert.equal(record?.schema === 'InboundMessage' && record.value.message_json, '{"zeta":1,"type":"text","timestamp":"5","id":"wamid.Z","from":"4","text":{"body":"x"}}')
})

test('a contact is matched to its message by wa_id', () => {
  const [a, b] = Object.values(messageFixtures())
  const other = { profile: { name: 'Other' }, wa_id: '447700900123' }
  const body = envelope([{ field: 'messages', value: { metadata, contacts: [other, contact], messages: [a, { ...b, from: '447700900123' }] } }])
  const names = splitWebhook(body, RECEIVED_AT).map((r) => r.schema === 'InboundMessage' ? r.value.customer_name : undefined)
  assert.deepEqual(names, ['Sofía Gómez', 'Other'])
})

test('identical value.errors entries of one change get distinct event ids; a repeat of the change gets the same ones', () => {
  const body = envelope([{ field: 'messages', value: { metadata, errors: [asyncError, asyncError] } }])
  const ids = splitWebhook(body, RECEIVED_AT).map((r) => r.eventId)
  assert.equal(new Set(ids).size, 2)
  assert.deepEqual(splitWebhook(structuredClone(body), RECEIVED_AT + 5000).map((r) => r.eventId), ids)
})

test('a messages change with neither messages, statuses nor errors still reaches the events topic', () => {
  const records = splitWebhook(envelope([{ field: 'messages', value: { metadata, message_echoes: [{ id: 'wamid.E' }] } }]), RECEIVED_AT)
  assert.deepEqual(records.map((r) => [r.topic, r.key]), [['inboundEvents', PHONE_NUMBER_ID]])
})

test('statuses are keyed by phone number id and recipient', () => {
  const status = statusFixtures().failed!
  const [record] = splitWebhook(envelope([{ field: 'messages', value: { metadata, statuses: [{ ...status, recipient_id: '447700900123' }] } }]), RECEIVED_AT)
  assert.equal(record?.key, `${PHONE_NUMBER_ID}:447700900123`)
  assert.equal(record.eventId, `${status.id as string}:failed`)
})

test('an empty entry list is a valid webhook with nothing to split', () => {
  assert.deepEqual(splitWebhook({ object: 'whatsapp_business_account', entry: [] }, RECEIVED_AT), [])
  assert.deepEqual(splitWebhook(envelope([]), RECEIVED_AT), [])
})

test('wrong shapes are refused with INGRESS_PAYLOAD_INVALID naming the field, never its value', () => {
  const cases: Record<string, unknown> = {
    'not an object': 'whatsapp_business_account',
    'wrong object': { object: 'instagram', entry: [] },
    'entry without id': { object: 'whatsapp_business_account', entry: [{ changes: [] }] },
    'message without from': envelope([{ field: 'messages', value: { metadata, messages: [{ id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'private words' } }] } }]),
    'status without recipient': envelope([{ field: 'messages', value: { metadata, statuses: [{ id: 'wamid.X', status: 'sent', timestamp: '1' }] } }]),
    'timestamp not unix seconds': envelope([{ field: 'messages', value: { metadata, messages: [{ id: 'wamid.X', from: '1', timestamp: 'private words', type: 'text' }] } }])
  }
  for (const [name, payload] of Object.entries(cases)) {
    assert.throws(() => splitWebhook(payload, RECEIVED_AT), (err: unknown) => {
      assert.ok(err instanceof IngressError, name)
      assert.equal(err.code, 'INGRESS_PAYLOAD_INVALID', name)
      assert.equal(err.statusCode, 400)
      assert.ok(!err.message.includes('private words'), name)
      return true
    })
  }
  assert.throws(() => parseWebhookJson(Buffer.from('{"a":'), 64), /not valid JSON/)
})
