import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { post, startReceiver, startSim, textBody, type ReceivedWebhook } from './helpers.ts'
import { pricingFor, SERVICE_CHARGED_FROM } from '../src/status-payloads.ts'

const PNID = '106540352242922'
const SECRET = 'sim-app-secret'
const FAST = { sentAfterMs: 10, deliveredAfterMs: 20, readAfterMs: 20 }

type Status = { id: string, status: string, timestamp: string, recipient_id: string, pricing?: Record<string, unknown>, conversation?: Record<string, unknown>, biz_opaque_callback_data?: string, errors?: Array<Record<string, unknown>> }

function statuses (received: ReceivedWebhook[]): Status[] {
  return received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.flatMap((c) => (c.value.statuses as Status[] | undefined) ?? [])))
}

test('sends signed, batched status webhooks: sent → delivered → read, pricing once per wamid besides sent', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, {
    webhookUrl: receiver.url,
    appSecret: SECRET,
    phoneNumbers: { [PNID]: { wabaId: '102290129340398', displayPhoneNumber: '15550001111' } },
    statuses: { ...FAST, readShare: 1, skipDeliveredShare: 0.5, templateCategories: { otp: 'authentication' } },
    webhook: { batchMs: 30 }
  })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  for (let i = 0; i < 20; i++) {
    const body = i % 2 === 0
      ? textBody(`+1555400${i}`, { biz_opaque_callback_data: `req-${i}` })
      : { messaging_product: 'whatsapp', to: `+1555400${i}`, type: 'template', template: { name: 'otp', language: { code: 'en' } }, biz_opaque_callback_data: `req-${i}` }
    assert.equal((await post(url, body)).status, 200)
  }
  assert.equal(await sim.webhooksIdle(5000), true)

  for (const w of receiver.received) {
    assert.deepEqual(verifyWebhookSignature(w.raw, w.signature, [SECRET]), { ok: true, secretIndex: 0 })
    assert.match(w.contentType ?? '', /application\/json/)
    assert.equal(w.json.object, 'whatsapp_business_account')
    assert.equal(w.json.entry[0]?.id, '102290129340398')
    const value = w.json.entry[0]?.changes[0]?.value
    assert.equal(w.json.entry[0]?.changes[0]?.field, 'messages')
    assert.deepEqual(value?.metadata, { display_phone_number: '15550001111', phone_number_id: PNID })
    assert.equal(value?.messaging_product, 'whatsapp')
  }
  assert.ok(receiver.received.length < statuses(receiver.received).length, 'several statuses share a POST')

  const byWamid = new Map<string, Status[]>()
  for (const s of statuses(receiver.received)) byWamid.set(s.id, [...(byWamid.get(s.id) ?? []), s])
  assert.equal(byWamid.size, 20)
  for (const m of sim.accepted()) {
    const list = (byWamid.get(m.wamid) ?? []).sort((a, b) => ['sent', 'delivered', 'read'].indexOf(a.status) - ['sent', 'delivered', 'read'].indexOf(b.status))
    const names = list.map((s) => s.status)
    assert.ok(names.join() === 'sent,delivered,read' || names.join() === 'sent,read', names.join())
    assert.equal(list[0]?.pricing !== undefined, true, 'pricing on sent')
    assert.equal(list.slice(1).filter((s) => s.pricing).length, 1, 'pricing on exactly one of delivered/read')
    for (const s of list) {
      assert.equal(s.biz_opaque_callback_data, m.bizOpaqueCallbackData)
      assert.equal(s.recipient_id, m.waId)
      assert.match(s.timestamp, /^\d{10}$/)
      assert.equal((s.conversation?.origin as { type: string }).type, m.type === 'template' ? 'authentication' : 'service')
    }
    assert.ok(list[0]?.conversation?.expiration_timestamp !== undefined)
    const pricing = list[0]?.pricing
    assert.deepEqual(pricing, m.type === 'template'
      ? { billable: true, pricing_model: 'PMP', category: 'authentication', type: 'regular' }
      // Meta charges service messages from Oct 1, 2026: `regular` from then, free before.
      : m.acceptedAt >= SERVICE_CHARGED_FROM
        ? { billable: true, pricing_model: 'PMP', category: 'service', type: 'regular' }
        : { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' })
  }
  assert.equal(sim.stats().webhooks?.delivered, receiver.received.length)
})

test('bodies escape non-ASCII as lowercase \\uXXXX and still verify', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 5 } })
  sim.startInbound({ phoneNumberId: PNID, rate: 1000, count: 5, from: ['4915100000001'] })
  while (sim.inbound().length < 5) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.equal(await sim.webhooksIdle(5000), true)
  const raw = Buffer.concat(receiver.received.map((w) => w.raw)).toString('latin1')
  assert.ok(!/[^\x20-\x7e]/.test(raw), 'bodies are pure ASCII')
  assert.match(raw, /\\u00fc/, 'ü escaped in lowercase')
  assert.ok(!/\\u[0-9a-f]*[A-F]/.test(raw), 'no upper-case escapes')
  for (const w of receiver.received) assert.equal(verifyWebhookSignature(w.raw, w.signature, ['other', SECRET]).ok, true)
})

test('v24 and later omit conversation; a failed share sends failed statuses with errors[]', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, statuses: { ...FAST, failedShare: 1, failedCode: 131026 }, webhook: { batchMs: 5 } })
  await post(`${sim.url}/v24.0/${PNID}/messages`, textBody('+15554001', { biz_opaque_callback_data: 'r' }))
  sim.setStatusOptions({ failedShare: 0, readShare: 0, skipDeliveredShare: 0 })
  await post(`${sim.url}/v24.0/${PNID}/messages`, textBody('+15554002'))
  assert.equal(await sim.webhooksIdle(5000), true)
  const all = statuses(receiver.received)
  const failed = all.filter((s) => s.status === 'failed')
  assert.equal(failed.length, 1)
  assert.equal(failed[0]?.biz_opaque_callback_data, 'r')
  assert.equal(failed[0]?.errors?.[0]?.code, 131026)
  assert.equal(typeof (failed[0]?.errors?.[0]?.error_data as { details?: unknown }).details, 'string')
  const ok = all.filter((s) => s.status !== 'failed')
  assert.deepEqual(ok.map((s) => s.status).sort(), ['delivered', 'sent'])
  for (const s of ok) assert.equal(s.conversation, undefined)
})

test('retries non-200 answers with the same signed body, first retry immediately', async (t) => {
  const receiver = await startReceiver(t, (n) => n < 2 ? 500 : 200)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, statuses: { ...FAST, readShare: 0, skipDeliveredShare: 0 }, webhook: { batchMs: 200, retryBaseMs: 50 } })
  await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15554003'))
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.ok(receiver.attempts() >= 3)
  const stats = sim.stats().webhooks
  assert.equal(stats?.failedAttempts, 2)
  assert.equal(stats?.retries, 2)
  assert.equal(stats?.dropped, 0)
  assert.deepEqual(statuses(receiver.received).map((s) => s.status).sort(), ['delivered', 'sent'])
})

test('gives up after maxAttempts and stop() ends cleanly with retries pending', async (t) => {
  const receiver = await startReceiver(t, () => 503)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, statuses: { ...FAST, readShare: 0 }, webhook: { batchMs: 1000, maxAttempts: 3, retryBaseMs: 10 } })
  await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15554004'))
  assert.equal(await sim.webhooksIdle(5000), true)
  assert.equal(receiver.attempts(), 3)
  assert.equal(sim.stats().webhooks?.dropped, 2)
  sim.setStatusOptions({ sentAfterMs: 0 })
  await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15554005'))
  const started = performance.now()
  await sim.stop()
  assert.ok(performance.now() - started < 1000)
})

test('a non-template message is a free service reply until Sep 30, 2026 and charged as service from Oct 1, 2026; templates are charged', () => {
  const base = { seq: 1, phoneNumberId: '1', to: '2', waId: '2', wamid: 'w', apiVersion: 'v24.0', body: {} }
  const at = (acceptedAt: number, type = 'text') => pricingFor({ ...base, type, acceptedAt } as Parameters<typeof pricingFor>[0], 'utility', {})
  assert.deepEqual(at(SERVICE_CHARGED_FROM - 1), { category: 'service', type: 'free_customer_service' })
  assert.deepEqual(at(SERVICE_CHARGED_FROM), { category: 'service', type: 'regular' })
  assert.deepEqual(at(SERVICE_CHARGED_FROM - 1, 'template'), { category: 'utility', type: 'regular' })
})
