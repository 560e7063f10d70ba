import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test, type TestContext } from 'node:test'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import { CSW_DURATION_MS, windowKey, type CustomerWindow, type InboundMessage, type OutboundRequest } from '@wabridge/schemas'
import { attemptsTopic } from '../src/app.ts'
import { codec, collect, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

// The window check against the real window tracker (@wabridge/conversations), the broker and the
// simulator (which, with enforceWindows, would answer 131047 itself to a send outside the window).

const PHONE = '1001'

function inboundMessage (from: string, id: string, at: number): InboundMessage {
  return {
    event_id: `m-${id}`,
    waba_id: 'W1',
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: from,
    customer_name: null,
    message_id: id,
    type: 'text',
    meta_timestamp: at,
    received_at: at,
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from, id, timestamp: String(Math.floor(at / 1000)), type: 'text', text: { body: 'hi' } }),
    contact_json: null
  }
}

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

/** A prefix with egress's topics and wa.windows, holding `windows`. */
async function preparePrefix (t: TestContext, windows: CustomerWindow[]) {
  const prefix = `egw-${randomUUID().slice(0, 8)}`
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

const request = (to: string, id: string): OutboundRequest => textRequest(PHONE, `+${to}`, id)

test('enforce: outside the window refused (131047, when the customer last wrote, no Graph call, no dead letter); inside sent; a reply produced right after the user\'s message sent', async (t) => {
  const now = Date.now()
  const open = '15550100001'
  const lapsed = '15550100002'
  const never = '15550100003'
  const racer = '15550100004'
  const sim = await startSim(t, { enforceWindows: true })
  sim.openWindow({ phoneNumberId: PHONE, waId: open, lastInboundAt: now - 3_600_000 })
  const lapsedAt = now - 30 * 3_600_000
  const { prefix, kafka, producer } = await preparePrefix(t, [windowRecord(open, now - 3_600_000), windowRecord(lapsed, lapsedAt)])
  const egress = await startEgress(t, testEnv(prefix, sim.url, { EGRESS_WINDOW_MODE: 'enforce' }))
  assert.ok(egress.windows?.isCaughtUp(), 'the tracker was read before egress started')
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const dlq = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')

  await produceRequests(producer, prefix, [request(open, 'open'), request(lapsed, 'lapsed'), request(never, 'never')])
  // The bot race: the user's message reaches wa.inbound.messages, the reply is produced at once.
  const inboundAt = Date.now()
  sim.openWindow({ phoneNumberId: PHONE, waId: racer, lastInboundAt: inboundAt })
  await producer.send([{ topic: topicNames(prefix).inboundMessages, key: windowKey(PHONE, racer), value: codec.encode('InboundMessage', inboundMessage(racer, 'wamid.race', inboundAt)) }])
  await produceRequests(producer, prefix, [request(racer, 'race')])

  await waitFor(() => results.length >= 4, 60_000, () => `4 results, have ${results.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId.open!.status, 'accepted')
  assert.equal(byId.race!.status, 'accepted', `the reply right after the user's message: ${byId.race!.error?.message ?? ''}`)
  for (const id of ['lapsed', 'never']) {
    const r = byId[id]!
    assert.equal(r.status, 'failed', id)
    assert.equal(r.error!.class, 'outside_window')
    assert.equal(r.error!.code, 131047)
    assert.equal(r.attempts, 0)
    assert.equal(r.first_attempt_at, null)
  }
  assert.match(byId.lapsed!.error!.message, new RegExp(`last wrote to phone number ${PHONE} at ${new Date(lapsedAt).toISOString()}; the window closed at ${new Date(lapsedAt + CSW_DURATION_MS).toISOString()}`))
  assert.match(byId.never!.error!.message, new RegExp(`customer ${never} never wrote to phone number ${PHONE}`))
  // The sim saw the two sends inside windows and nothing else: no call for the refused ones.
  assert.deepEqual(sim.accepted().map((m) => m.bizOpaqueCallbackData).sort(), ['open', 'race'])
  assert.deepEqual(sim.refused(), [])
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.deepEqual(dlq, [], 'no dead letter for a message outside the window')
  assert.equal(results.length, 4)
})

test('warn: a message outside the window is sent and its result says so; off: no tracker at all', async (t) => {
  const lapsed = '15550200001'
  const sim = await startSim(t)
  const { prefix, kafka, producer } = await preparePrefix(t, [windowRecord(lapsed, Date.now() - 48 * 3_600_000)])
  await startEgress(t, testEnv(prefix, sim.url, { EGRESS_WINDOW_MODE: 'warn' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await produceRequests(producer, prefix, [request(lapsed, 'warned')])
  await waitFor(() => results.length >= 1, 60_000, () => 'the result')
  assert.equal(results[0]!.status, 'accepted')
  assert.match(results[0]!.reason ?? '', /^sent outside the customer service window \(EGRESS_WINDOW_MODE=warn\)/)
  assert.match(results[0]!.reason ?? '', new RegExp(`customer ${lapsed} last wrote`))
  assert.deepEqual(sim.accepted().map((m) => m.bizOpaqueCallbackData), ['warned'])

  const off = await startEgress(t, testEnv(`${prefix}-off`, sim.url, { EGRESS_WINDOW_MODE: 'off' }))
  assert.equal(off.windows, undefined)
})
