import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import { CSW_DURATION_MS, windowKey, type CustomerWindow, type OutboundRequest } from '@wabridge/schemas'
import { attemptsTopic } from '../src/app.ts'
import { codec, collect, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

// The result fields the messaging limit is counted from (issue 17): message_type (the request's type)
// and window_open (the window check's answer when egress sent), against the real window tracker,
// broker and simulator.

const PHONE = '1701'

function windowRecord (waId: string, lastInboundAt: number): CustomerWindow {
  return {
    phone_number_id: PHONE,
    wa_id: waId,
    last_inbound_at: lastInboundAt,
    last_inbound_id: `wamid.in.${waId}`,
    csw_expires_at: lastInboundAt + CSW_DURATION_MS,
    referral_at: null,
    fep_opened_at: null,
    fep_expires_at: null,
    updated_at: lastInboundAt
  }
}

async function preparePrefix (t: TestContext, windows: CustomerWindow[]) {
  const prefix = `egl-${randomUUID().slice(0, 8)}`
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, {
      prefix,
      partitions: 3,
      replicationFactor: 1,
      only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundMessages'],
      extra: [{ topic: attemptsTopic(prefix) }, { topic: `${prefix}.windows`, configs: { 'cleanup.policy': 'compact' } }]
    })
  } finally {
    await admin.disconnect()
  }
  const producer = await requestProducer(t, kafka)
  if (windows.length > 0) {
    await producer.send(windows.map((w) => ({ topic: `${prefix}.windows`, key: windowKey(w.phone_number_id, w.wa_id), value: codec.encode('CustomerWindow', w) })))
  }
  return { prefix, kafka, producer }
}

const text = (to: string, id: string): OutboundRequest => textRequest(PHONE, `+${to}`, id)
const template = (to: string, id: string): OutboundRequest => textRequest(PHONE, `+${to}`, id, {
  message_json: JSON.stringify({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })
})

test('enforce: a template to a customer whose window is closed is written with message_type template and window_open false, a text inside the window with text and true, a refused text with false', async (t) => {
  const now = Date.now()
  const open = '15551700001'
  const lapsed = '15551700002'
  const sim = await startSim(t, { enforceWindows: true })
  sim.openWindow({ phoneNumberId: PHONE, waId: open, lastInboundAt: now - 3_600_000 })
  const { prefix, kafka, producer } = await preparePrefix(t, [windowRecord(open, now - 3_600_000), windowRecord(lapsed, now - 30 * 3_600_000)])
  await startEgress(t, testEnv(prefix, sim.url, { EGRESS_WINDOW_MODE: 'enforce' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')

  await produceRequests(producer, prefix, [template(lapsed, 'template-closed'), text(open, 'text-open'), text(lapsed, 'text-closed'), template(open, 'template-open')])
  await waitFor(() => results.length >= 4, 60_000, () => `4 results, have ${results.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  const fields = (id: string) => ({ status: byId[id]!.status, message_type: byId[id]!.message_type, window_open: byId[id]!.window_open })
  assert.deepEqual(fields('template-closed'), { status: 'accepted', message_type: 'template', window_open: false })
  assert.deepEqual(fields('text-open'), { status: 'accepted', message_type: 'text', window_open: true })
  assert.deepEqual(fields('template-open'), { status: 'accepted', message_type: 'template', window_open: true })
  assert.deepEqual(fields('text-closed'), { status: 'failed', message_type: 'text', window_open: false })
  assert.equal(byId['text-closed']!.error!.class, 'outside_window')
})

test('off: egress does not know the window, so window_open is null; message_type is still the request\'s', async (t) => {
  const sim = await startSim(t)
  const { prefix, kafka, producer } = await preparePrefix(t, [])
  await startEgress(t, testEnv(prefix, sim.url, { EGRESS_WINDOW_MODE: 'off' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await produceRequests(producer, prefix, [template('15551700003', 'off-template'), text('15551700003', 'off-text')])
  await waitFor(() => results.length >= 2, 60_000, () => `2 results, have ${results.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.deepEqual([byId['off-template']!.message_type, byId['off-template']!.window_open], ['template', null])
  assert.deepEqual([byId['off-text']!.message_type, byId['off-text']!.window_open], ['text', null])
  assert.equal(byId['off-text']!.status, 'accepted')
})
