import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { createCodec } from '@wabridge/schemas'
import { decodeValue, messageFromOptions, toFilter } from '../src/index.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' } })

test('send builds Meta message objects from flags', () => {
  const base = { from: '1', to: '+1', language: 'en_US', timeout: '30' }
  assert.deepEqual(messageFromOptions({ ...base, text: 'Hi', replyTo: 'wamid.X' }), { type: 'text', text: { body: 'Hi' }, context: { message_id: 'wamid.X' } })
  assert.deepEqual(messageFromOptions({ ...base, template: 'hello_world', language: 'de' }), { type: 'template', template: { name: 'hello_world', language: { code: 'de' } } })
  assert.deepEqual(messageFromOptions({ ...base, imageLink: 'https://x/y.png', caption: 'c' }), { type: 'image', image: { link: 'https://x/y.png', caption: 'c' } })
  assert.throws(() => messageFromOptions({ ...base, text: 'a', template: 'b' }), /exactly one of/)
  assert.throws(() => messageFromOptions({ ...base, json: '{nope' }), /--json must be a JSON object/)
})

test('dlq filters are validated with clear messages', () => {
  assert.deepEqual(toFilter({ number: '1', code: '131026', since: '2026-11-24T00:00:00Z' }), { phoneNumberId: '1', code: 131026, since: Date.parse('2026-11-24T00:00:00Z') })
  assert.throws(() => toFilter({ code: 'abc' }), /--code must be a whole number/)
  assert.throws(() => toFilter({ since: 'yesterday' }), /--since must be an ISO date-time/)
  assert.throws(() => toFilter({ limit: '0' }), /--limit must be a positive whole number/)
})

test('tail decodes Avro records, JSON and undecodable bytes', async () => {
  const codec = createCodec()
  const ctx = { codec } as Parameters<typeof decodeValue>[0]
  const raw = codec.encode('RawWebhook', { received_at: 1, body: Buffer.from('{"a":1}'), signature: null, headers: {}, content_type: null, remote_address: null, verified: true })
  const decoded = await decodeValue(ctx, raw, undefined)
  assert.equal(decoded.schema, 'RawWebhook')
  assert.equal((decoded.value as { body: string }).body, '{"a":1}')
  assert.deepEqual(await decodeValue(ctx, Buffer.from('{"x":2}'), 'application/json'), { schema: 'json', value: { x: 2 } })
  const bad = await decodeValue(ctx, Buffer.from([0xc3, 0x01, 1, 2, 3]), undefined)
  assert.equal(bad.schema, 'undecodable')
})

test('bad input gives one clear line and a non-zero exit code', () => {
  const missing = run('send', '--to', '+16505551234', '--text', 'hi')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /required option '--from <phone_number_id>' not specified/)
  const badTo = run('send', '--from', '1', '--to', 'not-a-number', '--text', 'hi')
  assert.equal(badTo.status, 2)
  assert.match(badTo.stderr, /^wabridge: invalid outbound request: to: /)
  assert.equal(badTo.stderr.trim().split('\n').length, 1)
  const badGranularity = run('usage', '--number', '1', '--granularity', 'WEEKLY')
  assert.notEqual(badGranularity.status, 0)
  assert.match(badGranularity.stderr, /Allowed choices are HALF_HOUR, DAILY, MONTHLY/)
  const help = run('dlq', 'replay', '--help')
  assert.equal(help.status, 0)
  assert.match(help.stdout, /--dry-run/)
  assert.match(help.stdout, /--again +also replay letters replayed before/)
})
