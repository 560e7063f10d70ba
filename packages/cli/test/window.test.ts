import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createConversationsApp, loadConfig } from '@wabridge/conversations-service'
import { createKafkaClient, createProducer } from '@wabridge/kafka'
import { createCodec, windowKey, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { humanDuration, windowLines } from '../src/commands/window.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const PHONE = '106540352242922'

function run (env: Record<string, string>, ...args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

test('window lines: open since and until, closed with when it closed, durations', () => {
  const now = Date.parse('2026-12-01T12:00:00Z')
  const lines = windowLines({
    phone_number_id: PHONE,
    wa_id: '31612345678',
    csw: { open: true, last_inbound_at: '2026-12-01T09:00:00.000Z', closes_at: '2026-12-02T09:00:00.000Z' },
    fep: { open: false, opened_at: null, closes_at: null }
  }, now)
  assert.equal(lines[0], `${PHONE} → +31612345678`)
  assert.match(lines[1]!, /OPEN {4}since 2026-12-01T09:00:00.000Z \(3 h ago\), until 2026-12-02T09:00:00.000Z \(in 21 h\)/)
  assert.match(lines[2]!, /free entry point window {2}closed$/)
  assert.match(windowLines({ phone_number_id: PHONE, wa_id: '1', csw: { open: false, last_inbound_at: null, closes_at: null }, fep: { open: false, opened_at: null, closes_at: null } }, now)[1]!, /no message from this customer known/)
  assert.equal(humanDuration(90 * 60_000), '1 h 30 min')
  assert.equal(humanDuration(59_000), '59 s')
})

test('wabridge window <number> <customer> [--json] asks the conversations service', { timeout: 120_000 }, async (t) => {
  const prefix = `cli-win-${randomUUID().slice(0, 8)}`
  const app = createConversationsApp(loadConfig({
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    CONVERSATIONS_PORT: '0',
    CONVERSATIONS_SESSION_TIMEOUT_MS: '6000',
    CONVERSATIONS_ADMIN_TOKEN: 'cli-t0ken',
    LOG_LEVEL: 'silent'
  }), { logger: createLogger({ level: 'silent', name: 'cli-test' }) })
  t.after(() => app.stop())
  await app.start()
  const env = { CONVERSATIONS_URL: app.url!, CONVERSATIONS_ADMIN_TOKEN: 'cli-t0ken' }

  const closed = await run(env, 'window', PHONE, '+31612345678')
  assert.equal(closed.status, 0, closed.stderr)
  assert.match(closed.stdout, /customer service window {2}closed {2}\(no message from this customer known\): templates only/)

  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'cli-test' })
  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  const codec = createCodec()
  const now = Date.now()
  const m: InboundMessage = {
    event_id: 'e1',
    waba_id: '1022',
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: '31612345678',
    customer_name: null,
    message_id: 'wamid.cli',
    type: 'text',
    meta_timestamp: now,
    received_at: now,
    context_message_id: null,
    referral_source_id: null,
    message_json: '{"type":"text"}',
    contact_json: null
  }
  await producer.send([{ topic: `${prefix}.inbound.messages`, key: windowKey(PHONE, m.customer_wa_id), value: await codec.serialize(`${prefix}.inbound.messages`, 'InboundMessage', m) }])
  for (let i = 0; app.keeper.state(PHONE, '31612345678').csw !== 'open'; i++) {
    assert.ok(i < 600, 'the keeper did not see the message in 30 s')
    await sleep(50)
  }
  const open = await run(env, 'window', PHONE, '31612345678', '--json')
  assert.equal(open.status, 0, open.stderr)
  const body = JSON.parse(open.stdout) as { csw: { open: boolean, last_inbound_at: string }, fep: { open: boolean } }
  assert.equal(body.csw.open, true)
  assert.equal(body.csw.last_inbound_at, new Date(now).toISOString())
  assert.equal(body.fep.open, false)

  const refused = await run({ ...env, CONVERSATIONS_ADMIN_TOKEN: 'wrong' }, 'window', PHONE, '31612345678')
  assert.equal(refused.status, 1)
  assert.match(refused.stderr, /refused/)
})
