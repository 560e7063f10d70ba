import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  contactsMessage, interactiveButtonMessage, interactiveCtaUrlMessage, interactiveFlowMessage, interactiveListMessage,
  locationMessage, markAsRead, mediaMessage, reactionMessage, replyTo, templateMessage, templateParam, textMessage,
  type SendableMessage
} from '../src/index.ts'
import { startClient, startSim } from './helpers.ts'

const PNID = '106540352242922'
const TO = '+16505551234'

const MESSAGES: Array<[string, SendableMessage]> = [
  ['text', textMessage('Grüße 👋', { previewUrl: false })],
  ['template', templateMessage({ name: 'order_update', language: 'en_US', header: [templateParam.document({ id: '77' })], body: [templateParam.text('Ana')], buttons: [{ subType: 'quick_reply', index: 0, parameters: [templateParam.payload('P')] }] })],
  ['image by id', mediaMessage('image', { id: '1234' }, { caption: 'pic' })],
  ['video by link', mediaMessage('video', { link: 'https://cdn.example.com/v.mp4' })],
  ['audio', mediaMessage('audio', { id: '1235' })],
  ['document', mediaMessage('document', { link: 'https://cdn.example.com/a.pdf' }, { filename: 'a.pdf', caption: 'invoice' })],
  ['sticker', mediaMessage('sticker', { id: '1236' })],
  ['interactive button', interactiveButtonMessage({ body: 'Confirm?', buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] })],
  ['interactive list', interactiveListMessage({ body: 'Menu', buttonText: 'Open', sections: [{ title: 'Main', rows: [{ id: 'a', title: 'A' }] }] })],
  ['interactive cta_url', interactiveCtaUrlMessage({ body: 'Track', displayText: 'Track order', url: 'https://example.com/t/1' })],
  ['interactive flow', interactiveFlowMessage({ body: 'Book', flowName: 'booking', flowCta: 'Book now', flowToken: 't1' })],
  ['reaction', reactionMessage('wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI', '👍')],
  ['location', locationMessage({ latitude: 37.48, longitude: -122.15, name: 'HQ', address: '1 Hacker Way' })],
  ['contacts', contactsMessage([{ name: { formatted_name: 'Ana Lima' }, phones: [{ phone: '+5511999999999', type: 'CELL' }] }])],
  ['reply context', replyTo(textMessage('Re: your question'), 'wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUZF')]
]

for (const [name, message] of MESSAGES) {
  test(`sends a ${name} message and the simulator accepts Meta's body`, async (t) => {
    const sim = await startSim(t)
    const client = startClient(t, { baseUrl: sim.url })
    const outcome = await client.sendMessage(PNID, TO, message, { token: 'tok', bizOpaqueCallbackData: 'req-1' })
    assert.equal(outcome.ok, true, JSON.stringify(outcome))
    assert.ok(outcome.ok && outcome.kind === 'message')
    assert.match(outcome.wamid, /^wamid\.[A-Za-z0-9+/=]+$/)
    assert.equal(outcome.waId, '16505551234')
    assert.equal(outcome.input, TO)
    assert.equal(outcome.httpStatus, 200)
    assert.ok(outcome.usage.businessUseCaseUsage.length > 0)
    const [recorded] = sim.accepted()
    assert.deepEqual(recorded?.body, { messaging_product: 'whatsapp', to: TO, ...message, biz_opaque_callback_data: 'req-1' })
    assert.equal(recorded?.wamid, outcome.wamid)
    assert.equal(recorded?.bizOpaqueCallbackData, 'req-1')
    assert.equal(recorded?.apiVersion, 'v23.0')
  })
}

test('sends a message object taken as-is from a Kafka record, dropping messaging_product/to it may carry', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url, apiVersion: 'v24.0' })
  const fromKafka = JSON.parse('{"type":"text","text":{"body":"Hello"},"to":"+1999","messaging_product":"x","recipient_type":"individual"}') as SendableMessage
  const outcome = await client.sendMessage(PNID, TO, fromKafka, { token: 'tok' })
  assert.equal(outcome.ok, true)
  assert.deepEqual(sim.accepted()[0]?.body, { messaging_product: 'whatsapp', to: TO, type: 'text', text: { body: 'Hello' }, recipient_type: 'individual' })
  assert.equal(sim.accepted()[0]?.apiVersion, 'v24.0')
})

test('marks a message read with a typing indicator', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url })
  const viaSend = await client.sendMessage(PNID, TO, markAsRead('wamid.IN1'), { token: 'tok' })
  const viaHelper = await client.markAsRead(PNID, 'wamid.IN2', { token: 'tok', typingIndicator: true })
  assert.deepEqual([viaSend.ok && viaSend.kind, viaSend.ok && viaSend.wamid], ['read', 'wamid.IN1'])
  assert.deepEqual([viaHelper.ok && viaHelper.kind, viaHelper.ok && viaHelper.wamid], ['read', 'wamid.IN2'])
  assert.deepEqual(sim.reads().map((r) => [r.messageId, r.typingIndicator]), [['wamid.IN1', false], ['wamid.IN2', true]])
  assert.equal(sim.accepted().length, 0)
})

test('uploads media, looks up its URL and downloads the bytes with the token', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: sim.url })
  const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255])
  const up = await client.uploadMedia(PNID, { data, mimeType: 'image/png', filename: 'p.png' }, { token: 'tok' })
  assert.ok(up.ok, JSON.stringify(up))
  const info = await client.getMediaUrl(up.id, { token: 'tok', phoneNumberId: PNID })
  assert.ok(info.ok, JSON.stringify(info))
  assert.equal(info.mimeType, 'image/png')
  assert.equal(info.fileSize, data.length)
  assert.match(info.sha256, /^[0-9a-f]{64}$/)
  assert.ok(info.url.startsWith(sim.url))
  const down = await client.downloadMedia(info.url, { token: 'tok' })
  assert.ok(down.ok)
  assert.deepEqual(down.data, data)
  assert.equal(down.contentType, 'image/png')
  const tooSmall = await client.downloadMedia(info.url, { token: 'tok', maxBytes: 4 })
  assert.equal(!tooSmall.ok && tooSmall.error.class, 'permanent')
  const deleted = await client.deleteMedia(up.id, { token: 'tok' })
  assert.equal(deleted.ok, true)
  const gone = await client.getMediaUrl(up.id, { token: 'tok' })
  assert.equal(!gone.ok && gone.error.code, 100)
})

test('turns Meta error envelopes into typed failures: 100 permanent, 190 retry_later, 130429 retry_now', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { token: 'right', mps: 1 } } })
  const client = startClient(t, { baseUrl: sim.url })
  const bad = await client.sendMessage(PNID, TO, { type: 'text', text: { body: '' } }, { token: 'right' })
  assert.ok(!bad.ok)
  assert.equal(bad.error.code, 100)
  assert.equal(bad.error.class, 'permanent')
  assert.equal(bad.error.httpStatus, 400)
  assert.equal(bad.error.type, 'OAuthException')
  assert.match(bad.error.details ?? '', /text\['body'\]/)
  assert.match(bad.error.fbtraceId ?? '', /^\S{11}$/)
  const wrongToken = await client.sendMessage(PNID, TO, textMessage('x'), { token: 'wrong' })
  assert.deepEqual(!wrongToken.ok && [wrongToken.error.code, wrongToken.error.httpStatus, wrongToken.error.class], [190, 401, 'retry_later'])
  assert.equal((await client.sendMessage(PNID, TO, textMessage('1'), { token: 'right' })).ok, true)
  const throttled = await client.sendMessage(PNID, '+16505550000', textMessage('2'), { token: 'right' })
  assert.ok(!throttled.ok)
  assert.deepEqual([throttled.error.code, throttled.error.class, throttled.error.retryAfterMs], [130429, 'retry_now', 1000])
  assert.equal(throttled.usage.maxPercent, 100)
})

test('131056 from the pair rate limit carries the 4^attempt delay', async (t) => {
  const sim = await startSim(t, { pairRate: { periodMs: 6000, burst: 2 } })
  const client = startClient(t, { baseUrl: sim.url })
  for (let i = 0; i < 2; i++) assert.equal((await client.sendMessage(PNID, TO, textMessage(`m${i}`), { token: 't' })).ok, true)
  const limited = await client.sendMessage(PNID, TO, textMessage('m2'), { token: 't', attempt: 2 })
  assert.deepEqual(!limited.ok && [limited.error.code, limited.error.class, limited.error.retryAfterMs], [131056, 'retry_now', 16_000])
})

test('an injected 5xx with code 131000 is retry_now, keyed on the code', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 1, action: { type: 'error', code: 131000 } }, { count: 1, action: { type: 'error', code: 131026, httpStatus: 500 } }] })
  const client = startClient(t, { baseUrl: sim.url })
  const first = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.deepEqual(!first.ok && [first.error.code, first.error.httpStatus, first.error.class], [131000, 500, 'retry_now'])
  const second = await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.deepEqual(!second.ok && [second.error.code, second.error.httpStatus, second.error.class], [131026, 500, 'permanent'])
})

test('a base URL with a path prefix is kept', async (t) => {
  const sim = await startSim(t)
  const client = startClient(t, { baseUrl: `${sim.url}/` })
  assert.equal((await client.sendMessage(PNID, TO, textMessage('x'), { token: 't' })).ok, true)
  const prefixed = startClient(t, { baseUrl: `${sim.url}/proxy` })
  const r = await prefixed.sendMessage(PNID, TO, textMessage('x'), { token: 't' })
  assert.deepEqual(!r.ok && [r.error.code, r.error.class], [2500, 'permanent'])
})
