import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  createCodec, fromOutboundRequestRecord, OutboundRequestJsonSchema, parseOutboundRequestJson, SchemaError, toOutboundRequestRecord
} from '../src/index.ts'

const valid = {
  request_id: '6f1c2b8e-4d0a-4f7e-9a51-3c2d1e0f9b8a',
  phone_number_id: '106540352242922',
  to: '+16505551234',
  message: { type: 'text', text: { body: 'Hello' } },
  expires_at: '2026-11-24T18:00:00Z',
  metadata: { crm_ticket: 'T-123' }
}

/** Expects a SCHEMA_INVALID_PAYLOAD whose issue at `path` has a message matching `pattern`. */
function rejects (input: unknown, path: string, pattern: RegExp): void {
  assert.throws(() => parseOutboundRequestJson(input), (err: unknown) => {
    assert.ok(err instanceof SchemaError && err.code === 'SCHEMA_INVALID_PAYLOAD', String(err))
    const issue = err.issues.find((i) => i.path === path)
    assert.ok(issue, `no issue at ${path}: ${err.message}`)
    assert.match(issue.message, pattern)
    return true
  })
}

test('accepts the request of the brief and Meta\'s message types, passing the message through', () => {
  assert.deepEqual(parseOutboundRequestJson(valid), valid)
  const messages = [
    { type: 'template', template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] } },
    { type: 'image', image: { link: 'https://cdn.example/p.jpg', caption: 'Your order' }, context: { message_id: 'wamid.HBgL' } },
    { type: 'contacts', contacts: [{ name: { formatted_name: 'Support' }, phones: [{ phone: '+15550001111' }] }] },
    { type: 'reaction', reaction: { message_id: 'wamid.HBgL', emoji: '👍' }, biz_opaque_callback_data: 'req-1' },
    { type: 'interactive', interactive: { type: 'button', body: { text: 'Pick' }, action: { buttons: [] } }, recipient_type: 'individual' },
    { status: 'read', message_id: 'wamid.HBgL', typing_indicator: { type: 'text' } }
  ]
  for (const message of messages) assert.deepEqual(parseOutboundRequestJson({ phone_number_id: '1', to: '16505551234', message }).message, message)
})

test('a group recipient takes a group id', () => {
  const request = { phone_number_id: '1', to: 'Y2FwaV9ncm91cDoxNzA1NTU1MDEzOToxMjAzNjM0MDQ2OTQyMzM4MjAZD', message: { type: 'text', text: { body: 'hi' }, recipient_type: 'group' } }
  assert.equal(parseOutboundRequestJson(request).to, request.to)
  rejects({ ...request, message: { type: 'text', text: { body: 'hi' } } }, 'to', /E\.164/)
})

test('rejects messaging_product and to inside message, saying where they belong', () => {
  rejects({ ...valid, message: { ...valid.message, messaging_product: 'whatsapp' } }, 'message.messaging_product', /gateway adds messaging_product/)
  rejects({ ...valid, message: { ...valid.message, to: '+16505551234' } }, 'message.to', /request's "to"/)
})

test('the object named by type must be present', () => {
  rejects({ ...valid, message: { type: 'text' } }, 'message.text', /is required: the "text" object named by message.type/)
  rejects({ ...valid, message: { type: 'image', image: 'https://cdn.example/p.jpg' } }, 'message.image', /is required/)
  rejects({ ...valid, message: {} }, 'message.type', /is required .*status "read"/)
  rejects({ ...valid, message: { type: 'Text!', 'Text!': {} } }, 'message.type', /message type such as "text"/)
})

test('mark-as-read needs status "read" and message_id', () => {
  rejects({ ...valid, message: { status: 'delivered', message_id: 'wamid.x' } }, 'message.status', /must be "read"/)
  rejects({ ...valid, message: { status: 'read' } }, 'message.message_id', /is required/)
})

test('checks ids, recipient, deadline, metadata and unknown fields', () => {
  rejects({ ...valid, phone_number_id: '+1 650 555 1234' }, 'phone_number_id', /phone number ID \(digits only\)/)
  rejects({ ...valid, to: '555-1234' }, 'to', /E\.164 form such as \+16505551234/)
  rejects({ ...valid, request_id: 'x'.repeat(129) }, 'request_id', /.+/)
  rejects({ ...valid, request_id: '' }, 'request_id', /.+/)
  rejects({ ...valid, expires_at: 'tomorrow' }, 'expires_at', /.+/)
  rejects({ ...valid, metadata: { retries: 3 } }, 'metadata.retries', /must be a string/)
  rejects({ ...valid, expire_at: valid.expires_at }, '', /unknown field "expire_at"/)
  rejects({ ...valid, message: undefined }, 'message', /is required/)
  rejects({ ...valid, message: 'Hello' }, 'message', /must be an object/)
})

test('error messages never quote the rejected values', () => {
  try {
    parseOutboundRequestJson({ ...valid, to: 'secret-number-42', metadata: { a: 7 } })
    assert.fail('expected an error')
  } catch (err) {
    assert.ok(err instanceof SchemaError)
    assert.ok(!err.message.includes('secret-number-42'), err.message)
  }
})

test('converts to the Avro record and back', () => {
  const record = toOutboundRequestRecord(OutboundRequestJsonSchema.parse(valid))
  assert.deepEqual(record, {
    request_id: valid.request_id,
    phone_number_id: valid.phone_number_id,
    to: valid.to,
    message_json: '{"type":"text","text":{"body":"Hello"}}',
    expires_at: Date.UTC(2026, 10, 24, 18),
    metadata: { crm_ticket: 'T-123' },
    created_at: null,
    send_at: null,
    priority: null
  })
  const decoded = createCodec().decode(createCodec().encode('OutboundRequest', record), 'OutboundRequest').value
  assert.deepEqual(fromOutboundRequestRecord(decoded), { ...valid, expires_at: '2026-11-24T18:00:00.000Z' })
  const minimal = { phone_number_id: '1', to: '16505551234', message: { status: 'read', message_id: 'wamid.x' } }
  assert.deepEqual(fromOutboundRequestRecord(toOutboundRequestRecord(parseOutboundRequestJson(minimal))), minimal)
})

test('send_at and priority: RFC 3339 to epoch ms and back; an unknown priority or an unparseable send_at is refused by name', () => {
  const scheduled = { ...valid, send_at: '2026-12-24T09:00:00+01:00', priority: 'bulk' }
  const record = toOutboundRequestRecord(parseOutboundRequestJson(scheduled))
  assert.equal(record.send_at, Date.UTC(2026, 11, 24, 8))
  assert.equal(record.priority, 'bulk')
  const decoded = createCodec().decode(createCodec().encode('OutboundRequest', record), 'OutboundRequest').value
  assert.deepEqual(fromOutboundRequestRecord(decoded), { ...scheduled, expires_at: '2026-11-24T18:00:00.000Z', send_at: '2026-12-24T08:00:00.000Z' })
  const issues = (input: unknown) => {
    try { parseOutboundRequestJson(input); return [] } catch (err) { return (err as SchemaError).issues.map((i) => i.path) }
  }
  assert.deepEqual(issues({ ...valid, priority: 'urgent' }), ['priority'])
  assert.deepEqual(issues({ ...valid, send_at: 'tomorrow at nine' }), ['send_at'])
  assert.deepEqual(issues({ ...valid, send_at: '2026-12-24T09:00:00' }), ['send_at'], 'a time without an offset is ambiguous')
  // The Avro form carries priority as a string: the same rule holds there.
  assert.throws(() => fromOutboundRequestRecord({ ...record, priority: 'urgent' }), (err: unknown) =>
    err instanceof SchemaError && err.issues[0]?.path === 'priority' && /interactive.*bulk/.test(err.message))
})

test('an Avro request is held to the same rules as a JSON one', () => {
  const record = toOutboundRequestRecord(parseOutboundRequestJson(valid))
  assert.throws(() => fromOutboundRequestRecord({ ...record, message_json: '{"type":"text"' }), (err: unknown) =>
    err instanceof SchemaError && err.issues[0]?.path === 'message_json')
  assert.throws(() => fromOutboundRequestRecord({ ...record, message_json: '{"type":"text"}' }), (err: unknown) =>
    err instanceof SchemaError && err.issues[0]?.path === 'message.text')
  assert.throws(() => fromOutboundRequestRecord({ ...record, expires_at: 1e20 }), (err: unknown) =>
    err instanceof SchemaError && err.issues[0]?.path === 'expires_at')
})

test('a media object may name a store file by store_uri instead of id or link, never together with them', () => {
  const base = { request_id: 'r-media', phone_number_id: '106540352242922', to: '+16505551234' }
  for (const uri of ['file:///var/lib/wabridge/media/a.jpg', 's3://wabridge-media/campaigns/winter.jpg']) {
    assert.deepEqual(parseOutboundRequestJson({ ...base, message: { type: 'image', image: { store_uri: uri } } }).message, { type: 'image', image: { store_uri: uri } })
  }
  const refused = (image: Record<string, unknown>, path: string, pattern: RegExp) => assert.throws(
    () => parseOutboundRequestJson({ ...base, message: { type: 'image', image } }),
    (err: unknown) => err instanceof SchemaError && err.issues.some((i) => i.path === path && pattern.test(i.message)), JSON.stringify(image))
  refused({ store_uri: 'https://example.com/a.jpg' }, 'message.image.store_uri', /file:\/\/\/absolute\/path or s3:\/\/bucket\/key/)
  refused({ store_uri: 'file://relative/a.jpg' }, 'message.image.store_uri', /media store URI/)
  refused({ store_uri: 's3://wabridge-media/a.jpg', id: '1166844218283713' }, 'message.image.id', /not be set together with store_uri/)
  refused({ store_uri: 's3://wabridge-media/a.jpg', link: 'https://example.com/a.jpg' }, 'message.image.link', /not be set together/)
  // Other types' objects are not media: a store_uri field there passes through as any unknown field does.
  assert.ok(parseOutboundRequestJson({ ...base, message: { type: 'text', text: { body: 'hi', store_uri: 'x' } } }))
})
