import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { controlTopic, numbersTopic } from '@wabridge/egress'
import { createKafkaClient } from '@wabridge/kafka'
import { createCodec, type NumberState } from '@wabridge/schemas'
import { formatNumberState } from '../src/commands/numbers.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const codec = createCodec()

function run (env: Record<string, string>, ...args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, KAFKA_BROKERS: brokers, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const state = (over: Partial<NumberState>): NumberState => ({
  phone_number_id: '106540352242922',
  waba_id: '102290129340398',
  instance: 'egress-1',
  state: 'sending',
  breaker_scope: null,
  breaker_code: null,
  breaker_reason: null,
  open_since: null,
  next_probe_at: null,
  probes: 0,
  rate_mps: 80,
  rate_source: 'configured',
  throughput_level: 'STANDARD',
  backlog: 0,
  updated_at: Date.now(),
  ...over
})

test('a number\'s line shows its state with the breaker\'s code and since when, its rate and where it comes from, and its backlog', () => {
  const now = Date.parse('2026-12-06T09:00:30Z')
  const open = formatNumberState(state({ state: 'open', breaker_scope: 'token', breaker_code: 190, open_since: Date.parse('2026-12-06T08:59:00Z'), next_probe_at: Date.parse('2026-12-06T09:01:00Z'), backlog: 1200, updated_at: now - 5000 }), now)
  assert.match(open, /open \(token breaker, code 190 since 2026-12-06T08:59:00Z, next probe 2026-12-06T09:01:00Z\)/)
  assert.match(open, /80 mps \(configured\)/)
  assert.match(open, /backlog 1200/)
  assert.match(open, /egress-1, 5 s ago$/)
  assert.match(formatNumberState(state({ rate_mps: 1000, rate_source: 'meta', throughput_level: 'HIGH', updated_at: now - 120_000 }), now), /sending .*1000 mps \(Meta HIGH\).*\(stale\)$/)
})

test('wabridge numbers list reads the latest state of each number; numbers resume puts a command on the control topic', { timeout: 60_000 }, async () => {
  const prefix = `cli-${randomUUID().slice(0, 8)}`
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'numbers-test' })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: numbersTopic(prefix), numPartitions: 2 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  const now = Date.now()
  const records = [
    state({ phone_number_id: '7001', updated_at: now - 2000 }),
    state({ phone_number_id: '7001', state: 'open', breaker_scope: 'number', breaker_code: 131031, open_since: now - 60_000, next_probe_at: now + 30_000, backlog: 42, updated_at: now - 1000 }),
    state({ phone_number_id: '7002', rate_mps: 1000, rate_source: 'meta', throughput_level: 'HIGH', backlog: 3, updated_at: now - 1000 })
  ]
  for (const r of records) await producer.send({ topic: numbersTopic(prefix), messages: [{ key: r.phone_number_id, value: codec.encode('NumberState', r) }] })
  await producer.disconnect()

  const listed = await run({ TOPIC_PREFIX: prefix }, 'numbers', 'list', '--json')
  assert.equal(listed.status, 0, listed.stderr)
  const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as NumberState & { stale: boolean })
  assert.deepEqual(rows.map((r) => [r.phone_number_id, r.state, r.breaker_code, r.rate_mps, r.rate_source, r.backlog]), [
    ['7001', 'open', 131031, 80, 'configured', 42],
    ['7002', 'sending', null, 1000, 'meta', 3]
  ])
  const table = await run({ TOPIC_PREFIX: prefix }, 'numbers', 'list')
  assert.equal(table.status, 0, table.stderr)
  assert.match(table.stdout, /7001 .*open \(number breaker, code 131031 since/)

  const resumed = await run({ TOPIC_PREFIX: prefix }, 'numbers', 'resume', '7001')
  assert.equal(resumed.status, 0, resumed.stderr)
  const consumer = kafka.consumer({ groupId: `numbers-test-${randomUUID()}` })
  await consumer.connect()
  await consumer.subscribe({ topic: controlTopic(prefix), fromBeginning: true })
  const command = await new Promise<Record<string, unknown>>((resolve) => {
    void consumer.run({ eachMessage: async ({ message }) => { resolve((await codec.deserialize(message.value!, 'EgressControl')).value as unknown as Record<string, unknown>) } })
  })
  await consumer.disconnect()
  assert.equal(command.command, 'resume')
  assert.equal(command.target, '7001')
  const bad = await run({ TOPIC_PREFIX: prefix }, 'numbers', 'resume', 'no such id!')
  assert.equal(bad.status, 2)
})
