import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { scopeOf, wabaOfFromEnv } from '../src/commands/suppressions.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))

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

test('the scope of --number is its WABA from WA_PHONE_WABAS, else phone:<id>', () => {
  assert.equal(wabaOfFromEnv('106540352242922=102290129340398, 2=3')('106540352242922'), '102290129340398')
  assert.equal(wabaOfFromEnv('')('1'), undefined)
  assert.equal(scopeOf({ scope: '102290129340398' }), '102290129340398')
  assert.throws(() => scopeOf({}), /exactly one of --scope/)
  assert.throws(() => scopeOf({ scope: 'a', number: '1' }), /exactly one of --scope/)
})

test('wabridge suppressions add, list and remove go through the compacted suppressions topic', async () => {
  const env = { TOPIC_PREFIX: `cli-${randomUUID().slice(0, 8)}`, WA_PHONE_WABAS: '106540352242922=102290129340398', KAFKA_TOPIC_PARTITIONS: '1' }
  const added = await run(env, 'suppressions', 'add', '--number', '106540352242922', '--to', '+39 347 123 4567', '--source', 'phone call', '--by', 'ops')
  assert.equal(added.status, 0, added.stderr)
  assert.match(added.stdout, /^102290129340398 {2}393471234567 {2}manual +until removed {2}phone call {2}by ops\n$/)
  const held = await run(env, 'suppressions', 'add', '--scope', 'phone:42', '--to', '16505551234', '--reason', 'marketing_limit', '--for', '24h')
  assert.equal(held.status, 0, held.stderr)

  const listed = await run(env, 'suppressions', 'list', '--json')
  assert.equal(listed.status, 0, listed.stderr)
  const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.deepEqual(rows.map((r) => [r.scope, r.wa_id, r.reason, r.active]).sort(), [['102290129340398', '393471234567', 'manual', true], ['phone:42', '16505551234', 'marketing_limit', true]])
  const limitRow = rows.find((r) => r.reason === 'marketing_limit')!
  assert.equal((limitRow.expires_at as number) - (limitRow.created_at as number), 24 * 3_600_000)
  const removed = await run(env, 'suppressions', 'remove', '--number', '106540352242922', '--to', '+393471234567')
  assert.equal(removed.status, 0, removed.stderr)
  assert.equal(removed.stdout, 'removed 102290129340398 393471234567\n')
  // Removed: a second remove finds nothing.
  const missing = await run(env, 'suppressions', 'remove', '--scope', '102290129340398', '--to', '393471234567')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /^wabridge: no suppression of 393471234567 in 102290129340398/)
  const bad = await run(env, 'suppressions', 'add', '--scope', 'x', '--to', '+1', '--reason', 'bored')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /--reason must be one of/)
})
