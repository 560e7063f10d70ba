import assert from 'node:assert/strict'
import { test } from 'node:test'
import { WindowAnswerSchema } from '@wabridge/conversations'
import { CSW_DURATION_MS, windowKey, type InboundMessage } from '@wabridge/schemas'
import { buildTestApi, NUMBER_A1, NUMBER_B1, WABA_A, waitFor } from './helpers.ts'

test('GET /v1/windows: a customer who just wrote is open at once; another tenant\'s number is 403; an unknown customer closed; bad ids 400', async (t) => {
  const now = Date.now()
  const h = await buildTestApi(t, { deps: { clock: () => now } })
  const { key } = await h.createKey({ wabas: [WABA_A] })
  // The tracker starts after the keys were read.
  await waitFor(async () => (await h.call('GET', `/v1/windows/${NUMBER_A1}/1`, { key })).status === 200, 30_000, 'the window tracker')
  const topic = `${h.config.TOPIC_PREFIX}.inbound.messages`
  const m: InboundMessage = {
    event_id: 'e1',
    waba_id: WABA_A,
    phone_number_id: NUMBER_A1,
    display_phone_number: '15550001111',
    customer_wa_id: '16505551234',
    customer_name: null,
    message_id: 'wamid.api',
    type: 'text',
    meta_timestamp: now - 1000,
    received_at: now,
    context_message_id: null,
    referral_source_id: null,
    message_json: '{"type":"text"}',
    contact_json: null
  }
  await h.producer.send([{ topic, key: windowKey(NUMBER_A1, m.customer_wa_id), value: await h.codec.serialize(topic, 'InboundMessage', m) }])
  // No waiting: the route's sync reads up to the message before it answers.
  const open = await h.call('GET', `/v1/windows/${NUMBER_A1}/+16505551234`, { key })
  assert.equal(open.status, 200)
  assert.deepEqual(WindowAnswerSchema.parse(open.body), {
    phone_number_id: NUMBER_A1,
    wa_id: '16505551234',
    csw: { open: true, last_inbound_at: new Date(now - 1000).toISOString(), closes_at: new Date(now - 1000 + CSW_DURATION_MS).toISOString() },
    fep: { open: false, opened_at: null, closes_at: null }
  })
  const unknown = await h.call('GET', `/v1/windows/${NUMBER_A1}/16505550000`, { key })
  assert.equal(WindowAnswerSchema.parse(unknown.body).csw.open, false)
  const forbidden = await h.call('GET', `/v1/windows/${NUMBER_B1}/16505551234`, { key })
  assert.equal(forbidden.status, 403)
  assert.equal(forbidden.body.error.code, 'API_FORBIDDEN')
  const bad = await h.call('GET', `/v1/windows/${NUMBER_A1}/abc`, { key })
  assert.equal(bad.status, 400)
  assert.equal(bad.body.error.code, 'API_INVALID_REQUEST')
  assert.equal((await h.call('GET', `/v1/windows/${NUMBER_A1}/16505551234`)).status, 401)
})
