import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateMessage } from '../src/validate-message.ts'

const base = { messaging_product: 'whatsapp', to: '+16505551234' }

const VALID: Array<Record<string, unknown>> = [
  { ...base, type: 'text', text: { body: 'hi' } },
  { ...base, text: { body: 'type defaults to text' } },
  { ...base, type: 'image', image: { id: '1' } },
  { ...base, type: 'document', document: { link: 'https://x.io/a.pdf', filename: 'a.pdf' } },
  { ...base, type: 'template', template: { name: 'n', language: { code: 'en' }, components: [{ type: 'button', sub_type: 'url', index: '0', parameters: [] }] } },
  { ...base, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [{ type: 'reply', reply: { id: 'a', title: 'A' } }] } } },
  { ...base, type: 'interactive', interactive: { type: 'product', action: { catalog_id: '1', product_retailer_id: 'x' } } },
  { ...base, type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '' } },
  { ...base, type: 'location', location: { latitude: '52.5', longitude: 13.4 } },
  { ...base, type: 'contacts', contacts: [{ name: { formatted_name: 'A' } }] },
  { ...base, recipient_type: 'group', to: 'group-id-1', type: 'text', text: { body: 'g' } },
  { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X', typing_indicator: { type: 'text' } }
]

const INVALID: Array<[Record<string, unknown> | string, RegExp]> = [
  ['not an object', /JSON object/],
  [{ to: '+1555', type: 'text', text: { body: 'x' } }, /messaging_product is required/],
  [{ ...base, messaging_product: 'sms', type: 'text', text: { body: 'x' } }, /messaging_product must be 'whatsapp'/],
  [{ messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, /parameter to is required/],
  [{ ...base, to: 'abc', type: 'text', text: { body: 'x' } }, /valid phone number/],
  [{ ...base, type: 'fax', fax: {} }, /type must be one of/],
  [{ ...base, type: 'text' }, /text is required/],
  [{ ...base, type: 'text', text: { body: 'x'.repeat(4097) } }, /4096/],
  [{ ...base, type: 'image', image: { id: '1', link: 'https://x' } }, /exactly one of/],
  [{ ...base, type: 'image', image: {} }, /exactly one of/],
  [{ ...base, type: 'template', template: { name: 'n' } }, /language/],
  [{ ...base, type: 'interactive', interactive: { type: 'button', body: { text: 'b' }, action: { buttons: [] } } }, /1 to 3 buttons/],
  [{ ...base, type: 'interactive', interactive: { type: 'carousel', action: {} } }, /interactive\['type'\]/],
  [{ ...base, type: 'reaction', reaction: { emoji: '👍' } }, /message_id/],
  [{ ...base, type: 'location', location: { latitude: 100, longitude: 0 } }, /latitude/],
  [{ ...base, type: 'contacts', contacts: [] }, /non-empty/],
  [{ ...base, type: 'text', text: { body: 'x' }, context: {} }, /context/],
  [{ ...base, type: 'text', text: { body: 'x' }, biz_opaque_callback_data: 'x'.repeat(513) }, /512/],
  [{ messaging_product: 'whatsapp', status: 'delivered', message_id: 'w' }, /status must be 'read'/],
  [{ messaging_product: 'whatsapp', status: 'read' }, /message_id is required/],
  [{ messaging_product: 'whatsapp', status: 'read', message_id: 'w', typing_indicator: { type: 'audio' } }, /typing_indicator/]
]

test('accepts every supported shape', () => {
  for (const body of VALID) assert.equal(validateMessage(body).ok, true, JSON.stringify(body))
})

test('refuses bad shapes with a detail naming the problem', () => {
  for (const [body, detail] of INVALID) {
    const v = validateMessage(body)
    assert.ok(!v.ok, JSON.stringify(body))
    assert.match(v.details, detail)
  }
})

test('reports the request kind, recipient and callback data', () => {
  assert.deepEqual(validateMessage({ ...base, text: { body: 'x' }, biz_opaque_callback_data: 'r1' }),
    { ok: true, request: { kind: 'message', to: '+16505551234', type: 'text', recipientType: 'individual', bizOpaqueCallbackData: 'r1' } })
  assert.deepEqual(validateMessage({ messaging_product: 'whatsapp', status: 'read', message_id: 'w' }),
    { ok: true, request: { kind: 'read', messageId: 'w', typingIndicator: false } })
})
