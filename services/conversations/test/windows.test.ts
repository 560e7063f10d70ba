import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { WindowAnswerSchema } from '@wabridge/conversations'
import { createKafkaClient, createProducer } from '@wabridge/kafka'
import { CSW_DURATION_MS, createCodec, windowKey, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createConversationsApp, loadConfig } from '../src/index.ts'

const PHONE = '106540352242922'

async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

test('the service keeps the window of a customer who wrote and answers it over HTTP; /readyz waits for the keeper', async (t) => {
  const brokers = process.env.KAFKA_BROKERS
  assert.ok(brokers, 'KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  const prefix = `conv-${randomUUID().slice(0, 12)}`
  const config = loadConfig({ KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: '2', CONVERSATIONS_PORT: '0', CONVERSATIONS_SESSION_TIMEOUT_MS: '6000', CONVERSATIONS_ADMIN_TOKEN: 't0ken', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' })
  const now = Date.now()
  const app = createConversationsApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'conversations-test' }), clock: () => now })
  t.after(() => app.stop())
  await app.start()
  const ready = await waitFor('ready', async () => { const r = await fetch(`${app.url!}/readyz`); return r.status === 200 && r })
  assert.equal(ready.status, 200)

  const codec = createCodec()
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: 'conversations-test' })
  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  const m: InboundMessage = {
    event_id: 'e1',
    waba_id: '1022',
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: '31612345678',
    customer_name: null,
    message_id: 'wamid.svc',
    type: 'text',
    meta_timestamp: now - 60_000,
    received_at: now,
    context_message_id: null,
    referral_source_id: null,
    message_json: '{"type":"text","text":{"body":"hi"}}',
    contact_json: null
  }
  await producer.send([{ topic: `${prefix}.inbound.messages`, key: windowKey(PHONE, m.customer_wa_id), value: await codec.serialize(`${prefix}.inbound.messages`, 'InboundMessage', m) }])

  const headers = { authorization: 'Bearer t0ken' }
  const answer = await waitFor('the window open', async () => {
    const body = WindowAnswerSchema.parse(await (await fetch(`${app.url!}/v1/windows/${PHONE}/+31612345678`, { headers })).json())
    return body.csw.open && body
  })
  assert.deepEqual(answer, {
    phone_number_id: PHONE,
    wa_id: '31612345678',
    csw: { open: true, last_inbound_at: new Date(now - 60_000).toISOString(), closes_at: new Date(now - 60_000 + CSW_DURATION_MS).toISOString() },
    fep: { open: false, opened_at: null, closes_at: null }
  })
  assert.equal((await fetch(`${app.url!}/v1/windows/${PHONE}/31612345678`)).status, 401)
})
