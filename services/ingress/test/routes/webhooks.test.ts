import assert from 'node:assert/strict'
import { test } from 'node:test'
import { contentTypeFor } from '@wabridge/schemas'
import { signWebhookBody, toMetaJson } from '@wabridge/webhook-signature'
import {
  asyncError, contact, CUSTOMER, DISPLAY_PHONE_NUMBER, errorsWebhook, fieldFixtures, fieldWebhook, messageFixtures,
  messageWebhook, metadata, PHONE_NUMBER_ID, statusFixtures, statusWebhook, WABA_ID
} from '../fixtures/webhooks.ts'
import { APP_SECRET, buildTestIngress, countRecords, decodeWithAvsc, inboundTopics, readTopics, type StoredRecord } from '../helpers.ts'

function byEventId (records: StoredRecord[]): Map<string, StoredRecord> {
  return new Map(records.map((r) => [r.headers['event-id']!, r]))
}

function assertHeaders (record: StoredRecord, schema: 'InboundMessage' | 'InboundStatus' | 'InboundEvent' | 'RawWebhook') {
  const decoded = decodeWithAvsc(record.value)
  assert.equal(decoded.schema, schema)
  assert.equal(record.headers['content-type'], contentTypeFor(schema))
  assert.equal(record.headers['schema-fingerprint'], decoded.fingerprint)
  return decoded.value
}

test('every message type lands on the messages topic with its key, typed fields and original JSON', async (t) => {
  const app = await buildTestIngress(t)
  const fixtures = messageFixtures()
  const bodies = Object.values(fixtures).map((m) => toMetaJson(messageWebhook(m)))
  const replies = await Promise.all(bodies.map((body) => app.post(body)))
  assert.deepEqual(replies.map((r) => r.status), bodies.map(() => 200))

  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  assert.equal(stored[app.topics.inboundStatuses]!.length, 0)
  assert.equal(stored[app.topics.inboundEvents]!.length, 0)
  const messages = byEventId(stored[app.topics.inboundMessages]!)
  assert.equal(messages.size, bodies.length)
  for (const [name, message] of Object.entries(fixtures)) {
    const record = messages.get(message.id as string)
    assert.ok(record, `${name} is missing`)
    assert.equal(record.key, `${PHONE_NUMBER_ID}:${CUSTOMER}`, name)
    const value = assertHeaders(record, 'InboundMessage')
    assert.deepEqual(JSON.parse(value.message_json as string), message, name)
    const isSystem = message.type === 'system'
    assert.deepEqual({ ...value, message_json: undefined }, {
      event_id: message.id,
      waba_id: WABA_ID,
      phone_number_id: PHONE_NUMBER_ID,
      display_phone_number: DISPLAY_PHONE_NUMBER,
      customer_wa_id: CUSTOMER,
      customer_name: isSystem ? null : 'Sofía Gómez',
      message_id: message.id,
      type: message.type,
      meta_timestamp: 1750263773000,
      received_at: value.received_at,
      context_message_id: (message.context as { id?: string } | undefined)?.id ?? null,
      referral_source_id: (message.referral as { source_id?: string } | undefined)?.source_id ?? null,
      message_json: undefined,
      contact_json: isSystem ? null : JSON.stringify(contact)
    }, name)
    assert.ok(Math.abs((value.received_at as number) - Date.now()) < 60_000)
  }
  assert.equal(messages.get(fixtures.text_with_referral!.id as string)!.headers['event-id'], fixtures.text_with_referral!.id)

  const raw = stored[app.topics.inboundRaw]!
  assert.equal(raw.length, bodies.length)
  const rawBodies = new Set(raw.map((r) => {
    assert.equal(r.key, WABA_ID)
    const value = assertHeaders(r, 'RawWebhook')
    assert.equal(value.verified, true)
    assert.equal(value.signature, signWebhookBody(value.body as Buffer, APP_SECRET))
    assert.equal(value.content_type, 'application/json')
    assert.equal(value.body_truncated, false)
    assert.equal(value.body_size, (value.body as Buffer).length)
    return (value.body as Buffer).toString('latin1')
  }))
  for (const body of bodies) assert.ok(rawBodies.has(Buffer.from(body).toString('latin1')), 'a raw body differs from what was sent')
})

test('every status lands on the statuses topic with its key, pricing, conversation and the headers egress matches on', async (t) => {
  const app = await buildTestIngress(t)
  const fixtures = statusFixtures()
  const replies = await Promise.all(Object.values(fixtures).map((s) => app.post(statusWebhook(s))))
  assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200))

  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  assert.equal(stored[app.topics.inboundMessages]!.length, 0)
  assert.equal(stored[app.topics.inboundEvents]!.length, 0)
  assert.equal(stored[app.topics.inboundRaw]!.length, replies.length)
  const statuses = byEventId(stored[app.topics.inboundStatuses]!)
  assert.equal(statuses.size, replies.length)
  for (const [name, status] of Object.entries(fixtures)) {
    const record = statuses.get(`${status.id as string}:${status.status as string}`)
    assert.ok(record, `${name} is missing`)
    assert.equal(record.key, `${PHONE_NUMBER_ID}:${CUSTOMER}`, name)
    const value = assertHeaders(record, 'InboundStatus')
    assert.deepEqual(JSON.parse(value.status_json as string), status, name)
    // Egress matches statuses to its requests from these, without decoding Avro.
    const matching = Object.fromEntries(Object.entries(record.headers).filter(([header]) => header.startsWith('wa-')))
    assert.deepEqual(matching, {
      ...(status.biz_opaque_callback_data !== undefined && { 'wa-callback-data': status.biz_opaque_callback_data }),
      'wa-status': status.status,
      'wa-message-id': status.id,
      'wa-timestamp': '1750263780000'
    }, name)
    const pricing = status.pricing as Record<string, unknown> | undefined
    const conversation = status.conversation as { id: string, origin: { type: string } } | undefined
    assert.deepEqual({ ...value, status_json: undefined, received_at: undefined }, {
      event_id: `${status.id as string}:${status.status as string}`,
      waba_id: WABA_ID,
      phone_number_id: PHONE_NUMBER_ID,
      display_phone_number: DISPLAY_PHONE_NUMBER,
      message_id: status.id,
      status: status.status,
      recipient_id: CUSTOMER,
      meta_timestamp: 1750263780000,
      received_at: undefined,
      biz_opaque_callback_data: status.biz_opaque_callback_data ?? null,
      conversation_id: conversation?.id ?? null,
      conversation_origin: conversation?.origin.type ?? null,
      pricing_category: pricing?.category ?? null,
      pricing_type: pricing?.type ?? null,
      pricing_model: pricing?.pricing_model ?? null,
      pricing_billable: pricing?.billable ?? null,
      error_codes: name === 'failed' ? [131047] : [],
      status_json: undefined
    }, name)
  }
})

test('value.errors and the other webhook fields land on the events topic', async (t) => {
  const app = await buildTestIngress(t)
  const fields = fieldFixtures()
  const second = { ...asyncError, code: 131000, title: 'Something went wrong' }
  const replies = await Promise.all([
    app.post(errorsWebhook([asyncError, second])),
    ...Object.values(fields).map((f) => app.post(fieldWebhook(f.field, f.value)))
  ])
  assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200))

  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  assert.equal(stored[app.topics.inboundMessages]!.length, 0)
  assert.equal(stored[app.topics.inboundStatuses]!.length, 0)
  const events = stored[app.topics.inboundEvents]!.map((r) => ({ record: r, value: assertHeaders(r, 'InboundEvent') }))
  assert.equal(events.length, 2 + Object.keys(fields).length)

  const errors = events.filter((e) => e.value.field === 'errors')
  assert.deepEqual(errors.map((e) => JSON.parse(e.value.value_json as string)).sort((a, b) => a.code - b.code), [asyncError, second].sort((a, b) => a.code - b.code))
  for (const { record, value } of errors) {
    assert.equal(record.key, PHONE_NUMBER_ID)
    assert.equal(value.phone_number_id, PHONE_NUMBER_ID)
    assert.equal(value.meta_timestamp, null)
    assert.match(record.headers['event-id']!, /^[0-9a-f]{64}$/)
    assert.equal(value.event_id, record.headers['event-id'])
  }
  for (const [name, { field, value: original }] of Object.entries(fields)) {
    const found = events.find((e) => e.value.field === field)
    assert.ok(found, `${name} is missing`)
    const hasMetadata = 'metadata' in original
    assert.equal(found.record.key, hasMetadata ? PHONE_NUMBER_ID : WABA_ID, name)
    assert.deepEqual({ ...found.value, received_at: undefined }, {
      event_id: found.record.headers['event-id'],
      field,
      waba_id: WABA_ID,
      phone_number_id: hasMetadata ? PHONE_NUMBER_ID : null,
      event: typeof original.event === 'string' ? original.event : null,
      meta_timestamp: 1750263901000,
      received_at: undefined,
      value_json: JSON.stringify(original)
    }, name)
  }
})

test('one POST with many entries and changes is split into one record each, all acknowledged before 200', async (t) => {
  const app = await buildTestIngress(t)
  const messages = Object.values(messageFixtures()).slice(0, 3)
  const statuses = Object.values(statusFixtures()).slice(0, 2)
  const body = {
    object: 'whatsapp_business_account',
    entry: [
      { id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, contacts: [contact], messages } }, { field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses } }] },
      { id: '102290129349999', time: 1750263901, changes: [{ field: 'account_update', value: { event: 'DISABLED_UPDATE' } }] },
      { id: WABA_ID, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, errors: [asyncError] } }] }
    ]
  }
  const reply = await app.post(body)
  assert.equal(reply.status, 200)
  assert.deepEqual(JSON.parse(reply.text), { status: 'accepted', records: 3 + 2 + 1 + 1 + 1, duplicates: 0 })
  // The 200 came after the acks, so the watermarks already include every record.
  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), {
    [app.topics.inboundMessages]: 3, [app.topics.inboundStatuses]: 2, [app.topics.inboundEvents]: 2, [app.topics.inboundRaw]: 1
  })
  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundEvents])
  assert.deepEqual(stored[app.topics.inboundEvents]!.map((r) => r.key).sort(), ['102290129349999', PHONE_NUMBER_ID])
})
