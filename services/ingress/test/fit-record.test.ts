import assert from 'node:assert/strict'
import { test } from 'node:test'
import { estimateRecordBytes, fitsInBatch, RECORD_BATCH_OVERHEAD_BYTES, type OutgoingRecord } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { fitRecord, truncatedJson, TRUNCATED_HEADER } from '../src/fit-record.ts'
import type { InboundRecord } from '../src/inbound-record.ts'
import { toRawRecord } from '../src/raw-record.ts'
import { splitWebhook } from '../src/split-webhook.ts'
import { messageFixtures, messageWebhook, statusFixtures, statusWebhook } from './fixtures/webhooks.ts'

// The Kafka record exactly as the publisher builds it (webhook-publisher.ts), with the real codec.
const codec = createCodec()
const toOutgoing = (r: InboundRecord, truncated: readonly string[] = []): OutgoingRecord => ({
  topic: r.topic,
  key: r.key,
  value: codec.encode(r.schema, r.value as never),
  headers: { 'event-id': r.eventId, ...r.headers, ...(truncated.length > 0 && { [TRUNCATED_HEADER]: truncated.join(',') }) }
})
const decode = (o: OutgoingRecord) => codec.decode(o.value as Buffer).value as unknown as Record<string, unknown>

test('a record that fits is left as it is', async () => {
  const [record] = splitWebhook(messageWebhook(messageFixtures().text!), 0)
  const outgoing = toOutgoing(record!)
  assert.equal(await fitRecord(record!, outgoing, 1_048_588, toOutgoing), outgoing)
})

test('a raw body keeps as many leading bytes as fit, and says it was cut and its full size', async () => {
  const body = Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', entry: [], padding: 'p'.repeat(20_000) }))
  const record = toRawRecord({ body, headers: { 'content-type': 'application/json' }, remoteAddress: '127.0.0.1', receivedAt: 1, wabaId: 'w' })
  const cap = 4096
  const fitted = await fitRecord(record, toOutgoing(record), cap, toOutgoing)
  assert.ok(fitsInBatch(fitted, cap))
  assert.ok(cap - (RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes(fitted)) < 8, 'the body was cut more than needed')
  const value = decode(fitted)
  assert.equal(value.body_truncated, true)
  assert.equal(value.body_size, body.length)
  assert.deepEqual(value.body, body.subarray(0, (value.body as Buffer).length))
  assert.equal(fitted.headers![TRUNCATED_HEADER], 'body')
  assert.equal(fitted.headers!['event-id'], record.eventId)
})

test('a message, status or event that does not fit has its original JSON replaced by its size, and keeps its headers and typed fields', async () => {
  const message = { ...messageFixtures().text!, text: { body: 'm'.repeat(5000) } }
  const status = { ...statusFixtures().sent_with_pricing!, errors: [{ code: 1, title: 't'.repeat(5000) }] }
  const records = [...splitWebhook(messageWebhook(message), 0), ...splitWebhook(statusWebhook(status), 0)]
  const jsonField = { InboundMessage: 'message_json', InboundStatus: 'status_json', InboundEvent: 'value_json' } as const
  for (const record of records) {
    if (record.schema === 'RawWebhook') continue
    const original = toOutgoing(record)
    const fitted = await fitRecord(record, original, 2048, toOutgoing)
    assert.ok(fitsInBatch(fitted, 2048), record.schema)
    const field = jsonField[record.schema]
    const before = decode(original)
    const after = decode(fitted)
    assert.equal(after[field], truncatedJson(before[field] as string))
    assert.deepEqual(JSON.parse(after[field] as string), { truncated: true, size: Buffer.byteLength(before[field] as string) })
    assert.deepEqual({ ...after, [field]: undefined }, { ...before, [field]: undefined }, 'only the JSON text changed')
    assert.equal(fitted.headers![TRUNCATED_HEADER], field)
    assert.deepEqual({ ...fitted.headers, [TRUNCATED_HEADER]: undefined }, { ...original.headers, [TRUNCATED_HEADER]: undefined })
  }
})

test('a message whose contact is large too gives up its contact JSON as well', async () => {
  const message = { ...messageFixtures().text!, text: { body: 'm'.repeat(3000) } }
  const webhook = messageWebhook(message) as { entry: Array<{ changes: Array<{ value: { contacts: Array<Record<string, unknown>> } }> }> }
  webhook.entry[0]!.changes[0]!.value.contacts[0]!.future_field = 'n'.repeat(3000)
  const [record] = splitWebhook(webhook, 0)
  const fitted = await fitRecord(record!, toOutgoing(record!), 2048, toOutgoing)
  assert.ok(fitsInBatch(fitted, 2048))
  assert.equal(fitted.headers![TRUNCATED_HEADER], 'message_json,contact_json')
  assert.equal(JSON.parse(decode(fitted).contact_json as string).truncated, true)
})
