import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { createProducer } from '@wabridge/kafka'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from '@wabridge/kafka/testing'
import { createCodec, MAX_SEND_AHEAD_MS } from '@wabridge/schemas'
import { isScheduled, requestFromOptions, type SendOptions } from '../src/commands/send.ts'
import { CliError } from '../src/context.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const FROM = '106540352242922'
const NOW = Date.parse('2026-12-06T10:00:00Z')
const base: SendOptions = { from: FROM, to: '+16505551234', text: 'Hi', language: 'en_US', timeout: '30' }

function run (env: Record<string, string>, ...args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

function refusal (pattern: RegExp) {
  return (err: unknown) => err instanceof CliError && err.exitCode === 2 && pattern.test(err.message)
}

test('--send-at and --priority become the request\'s send_at and priority; beyond 365 days, not RFC 3339 or an unknown priority exit 2', () => {
  const request = requestFromOptions({ ...base, requestId: 'r-1', sendAt: '2026-12-07T09:00:00+01:00', priority: 'bulk' }, NOW)
  assert.deepEqual([request.request_id, request.send_at, request.priority], ['r-1', Date.parse('2026-12-07T08:00:00Z'), 'bulk'])
  assert.equal(isScheduled(request, NOW), true)
  assert.equal(isScheduled(request, Date.parse('2026-12-07T07:59:59.500Z')), false)
  const plain = requestFromOptions(base, NOW)
  assert.deepEqual([plain.send_at, plain.priority, isScheduled(plain, NOW)], [null, null, false])
  assert.equal(requestFromOptions({ ...base, sendAt: new Date(NOW + MAX_SEND_AHEAD_MS).toISOString() }, NOW).send_at, NOW + MAX_SEND_AHEAD_MS)
  assert.throws(() => requestFromOptions({ ...base, sendAt: new Date(NOW + MAX_SEND_AHEAD_MS + 1000).toISOString() }, NOW), refusal(/^--send-at must be at most 365 days ahead$/))
  assert.throws(() => requestFromOptions({ ...base, sendAt: 'tomorrow' }, NOW), refusal(/send_at: /))
  assert.throws(() => requestFromOptions({ ...base, priority: 'urgent' }, NOW), refusal(/priority: must be "interactive" or "bulk"/))
})

test('wabridge send --send-at puts the request on outbound.scheduled (created like the requests topic), in its number\'s partition; without it on outbound.requests', async (t) => {
  const prefix = uniqueName('cli-send')
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  await createTopic(admin, `${prefix}.outbound.requests`, 3)
  const env = { TOPIC_PREFIX: prefix }
  const sendAt = new Date(Date.now() + 3_600_000).toISOString()

  const later = await run(env, 'send', '--from', FROM, '--to', '+16505551234', '--text', 'Reminder', '--request-id', 'r-later', '--send-at', sendAt, '--priority', 'bulk')
  assert.equal(later.status, 0, later.stderr)
  assert.equal(later.stdout, `scheduled r-later on ${prefix}.outbound.scheduled for ${sendAt}\n`)
  const now = await run(env, 'send', '--from', FROM, '--to', '+16505551234', '--text', 'Now', '--request-id', 'r-now', '--priority', 'bulk')
  assert.equal(now.status, 0, now.stderr)
  assert.equal(now.stdout, `queued r-now on ${prefix}.outbound.requests\n`)

  const [meta] = (await admin.fetchTopicMetadata({ topics: [`${prefix}.outbound.scheduled`] })).topics
  assert.equal(meta!.partitions.length, 3)
  const codec = createCodec()
  const [scheduled] = await readAll(kafka, `${prefix}.outbound.scheduled`, 1)
  const [queued] = await readAll(kafka, `${prefix}.outbound.requests`, 1)
  // Both partitioned by the number, as every wabridge producer does: the same partition in each topic.
  const probe = createProducer(kafka)
  await probe.start()
  t.after(() => probe.stop())
  const [probed] = await probe.send([{ topic: `${prefix}.outbound.requests`, key: FROM, value: 'probe' }])
  assert.deepEqual([scheduled!.key, scheduled!.partition, queued!.partition], [FROM, probed!.partition, probed!.partition])
  const value = codec.decode(scheduled!.value!, 'OutboundRequest').value
  assert.deepEqual([value.request_id, value.send_at, value.priority], ['r-later', Date.parse(sendAt), 'bulk'])
  assert.deepEqual([codec.decode(queued!.value!, 'OutboundRequest').value.send_at, codec.decode(queued!.value!, 'OutboundRequest').value.priority], [null, 'bulk'])
})

test('wabridge send with a bad --send-at or --priority prints one line and exits 2 without touching Kafka', async () => {
  const env = { TOPIC_PREFIX: uniqueName('cli-send'), KAFKA_BROKERS: '127.0.0.1:1' }
  const far = await run(env, 'send', '--from', FROM, '--to', '+16505551234', '--text', 'x', '--send-at', '2099-01-01T00:00:00Z')
  assert.deepEqual([far.status, far.stderr], [2, 'wabridge: --send-at must be at most 365 days ahead\n'])
  const urgent = await run(env, 'send', '--from', FROM, '--to', '+16505551234', '--text', 'x', '--priority', 'urgent')
  assert.equal(urgent.status, 2)
  assert.match(urgent.stderr, /^wabridge: invalid outbound request: priority: must be "interactive" or "bulk"\n$/)
})
