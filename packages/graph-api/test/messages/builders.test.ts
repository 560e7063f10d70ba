import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  contactsMessage, interactiveButtonMessage, interactiveCtaUrlMessage, interactiveFlowMessage, interactiveListMessage,
  isMarkAsRead, locationMessage, markAsRead, mediaMessage, reactionMessage, replyTo, templateMessage, templateParam, textMessage
} from '../../src/index.ts'

test('text, with and without link preview', () => {
  assert.deepEqual(textMessage('Hello'), { type: 'text', text: { body: 'Hello' } })
  assert.deepEqual(textMessage('See https://x.io', { previewUrl: true }), { type: 'text', text: { body: 'See https://x.io', preview_url: true } })
})

test('media by id or link keeps caption and filename only where Meta takes them', () => {
  assert.deepEqual(mediaMessage('image', { id: '123' }, { caption: 'c' }), { type: 'image', image: { id: '123', caption: 'c' } })
  assert.deepEqual(mediaMessage('document', { link: 'https://x.io/a.pdf' }, { caption: 'c', filename: 'a.pdf' }),
    { type: 'document', document: { link: 'https://x.io/a.pdf', caption: 'c', filename: 'a.pdf' } })
  assert.deepEqual(mediaMessage('audio', { id: '1' }, { caption: 'dropped', filename: 'dropped' }), { type: 'audio', audio: { id: '1' } })
  assert.deepEqual(mediaMessage('sticker', { id: '2' }), { type: 'sticker', sticker: { id: '2' } })
  assert.deepEqual(mediaMessage('video', { id: '3' }, { filename: 'dropped' }), { type: 'video', video: { id: '3' } })
})

test('template with header, body and button parameters', () => {
  const m = templateMessage({
    name: 'order_update',
    language: 'en_US',
    header: [templateParam.image({ link: 'https://x.io/h.png' })],
    body: [templateParam.text('Ana'), templateParam.currency('$10.00', 'USD', 10_000), templateParam.dateTime('May 1')],
    buttons: [{ subType: 'url', index: 0, parameters: [templateParam.text('track/42')] }, { subType: 'quick_reply', index: 1, parameters: [templateParam.payload('STOP')] }]
  })
  assert.deepEqual(m, {
    type: 'template',
    template: {
      name: 'order_update',
      language: { code: 'en_US' },
      components: [
        { type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.io/h.png' } }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'currency', currency: { fallback_value: '$10.00', code: 'USD', amount_1000: 10_000 } }, { type: 'date_time', date_time: { fallback_value: 'May 1' } }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'track/42' }] },
        { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'STOP' }] }
      ]
    }
  })
  assert.deepEqual(templateMessage({ name: 'hello_world', language: 'en_US' }), { type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })
})

test('interactive button, list, cta_url and flow', () => {
  assert.deepEqual(interactiveButtonMessage({ body: 'Pick', footer: 'f', buttons: [{ id: 'y', title: 'Yes' }] }), {
    type: 'interactive',
    interactive: { type: 'button', body: { text: 'Pick' }, footer: { text: 'f' }, action: { buttons: [{ type: 'reply', reply: { id: 'y', title: 'Yes' } }] } }
  })
  assert.deepEqual(interactiveListMessage({ body: 'Menu', buttonText: 'Open', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Row' }] }] }).interactive, {
    type: 'list', body: { text: 'Menu' }, action: { button: 'Open', sections: [{ title: 'S', rows: [{ id: 'r1', title: 'Row' }] }] }
  })
  assert.deepEqual(interactiveCtaUrlMessage({ body: 'Go', header: { type: 'text', text: 'H' }, displayText: 'Open', url: 'https://x.io' }).interactive, {
    type: 'cta_url', header: { type: 'text', text: 'H' }, body: { text: 'Go' }, action: { name: 'cta_url', parameters: { display_text: 'Open', url: 'https://x.io' } }
  })
  assert.deepEqual(interactiveFlowMessage({ body: 'Book', flowId: '99', flowCta: 'Start', flowToken: 'tok', flowAction: 'navigate', screen: 'S1', data: { a: 1 } }).interactive, {
    type: 'flow',
    body: { text: 'Book' },
    action: { name: 'flow', parameters: { flow_message_version: '3', flow_cta: 'Start', flow_id: '99', flow_token: 'tok', flow_action: 'navigate', flow_action_payload: { screen: 'S1', data: { a: 1 } } } }
  })
})

test('reaction, location, contacts, reply context and mark-as-read', () => {
  assert.deepEqual(reactionMessage('wamid.A', '👍'), { type: 'reaction', reaction: { message_id: 'wamid.A', emoji: '👍' } })
  assert.deepEqual(locationMessage({ latitude: 52.5, longitude: 13.4, name: 'Berlin' }), { type: 'location', location: { latitude: 52.5, longitude: 13.4, name: 'Berlin' } })
  assert.deepEqual(contactsMessage([{ name: { formatted_name: 'Ana B' }, phones: [{ phone: '+1555', type: 'CELL' }] }]),
    { type: 'contacts', contacts: [{ name: { formatted_name: 'Ana B' }, phones: [{ phone: '+1555', type: 'CELL' }] }] })
  assert.deepEqual(replyTo(textMessage('ok'), 'wamid.Q'), { type: 'text', text: { body: 'ok' }, context: { message_id: 'wamid.Q' } })
  assert.deepEqual(markAsRead('wamid.R'), { status: 'read', message_id: 'wamid.R' })
  assert.deepEqual(markAsRead('wamid.R', { typingIndicator: true }), { status: 'read', message_id: 'wamid.R', typing_indicator: { type: 'text' } })
  assert.equal(isMarkAsRead(markAsRead('x')), true)
  assert.equal(isMarkAsRead(textMessage('x')), false)
})
