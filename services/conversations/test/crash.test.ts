import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createKafkaClient, createProducer, createTopicView } from '@wabridge/kafka'
import { createCodec, windowKey, type CustomerWindow, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createConversationsApp, loadConfig } from '../src/index.ts'

const PHONE = '106540352242922'

async function waitFor (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

test('a keeper killed with SIGKILL while messages flow: its successor writes every pair\'s latest window, none lost', { timeout: 180_000 }, async (t) => {
  const brokers = process.env.KAFKA_BROKERS
  assert.ok(brokers, 'KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  const env = {
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: `conv-kill-${randomUUID().slice(0, 8)}`,
    KAFKA_TOPIC_PARTITIONS: '2',
    CONVERSATIONS_PORT: '0',
    CONVERSATIONS_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'silent'
  }
  const prefix = env.TOPIC_PREFIX
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--conditions=source', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  t.after(() => { child.kill('SIGKILL') })

  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'conversations-crash-test' })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await waitFor('the child created its topics', async () => (await admin.listTopics()).includes(`${prefix}.windows`))
  // Everything written to wa.windows, latest per key.
  const latest = new Map<string, CustomerWindow | null>()
  const codec = createCodec()
  const logger = createLogger({ level: 'silent', name: 'conversations-test' })
  const watcher = createTopicView({
    topic: `${prefix}.windows`,
    groupIdPrefix: `${prefix}.watch`,
    onRecord: async (key, value) => { latest.set(key, value === null ? null : (await codec.deserialize(value, 'CustomerWindow')).value) }
  }, { kafka, admin, logger })
  t.after(() => watcher.stop())
  await watcher.start()

  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  const topic = `${prefix}.inbound.messages`
  const customers = Array.from({ length: 150 }, (_, i) => `4915${String(i).padStart(6, '0')}`)
  const now = Date.now()
  const message = (waId: string, round: number): InboundMessage => ({
    event_id: `e-${waId}-${round}`,
    waba_id: '1022',
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: waId,
    customer_name: null,
    message_id: `wamid.${waId}.${round}`,
    type: 'text',
    meta_timestamp: now + round * 1000,
    received_at: now,
    context_message_id: null,
    referral_source_id: null,
    message_json: '{"type":"text"}',
    contact_json: null
  })
  const sendRound = async (round: number, from: number, to: number) => {
    for (let i = from; i < to; i += 10) {
      const batch = customers.slice(i, Math.min(to, i + 10))
      await producer.send(await Promise.all(batch.map(async (c) => ({ topic, key: windowKey(PHONE, c), value: await codec.serialize(topic, 'InboundMessage', message(c, round)) }))))
    }
  }
  await sendRound(1, 0, 150)
  await waitFor('the child wrote some windows', () => latest.size >= 20)
  // Killed while the first round is being written (or just after): no goodbye, its session must expire.
  child.kill('SIGKILL')
  await once(child, 'exit')
  await sendRound(2, 0, 150)

  const successor = createConversationsApp(loadConfig(env), { logger })
  t.after(() => successor.stop())
  await successor.start()
  await waitFor('every pair\'s second message on wa.windows', () => customers.every((c) => latest.get(windowKey(PHONE, c))?.last_inbound_id === `wamid.${c}.2`))
  for (const c of customers) {
    const w = latest.get(windowKey(PHONE, c))!
    assert.equal(w.last_inbound_at, now + 2000)
    assert.equal(successor.keeper.state(PHONE, c, now + 3000).csw, 'open')
  }
})
