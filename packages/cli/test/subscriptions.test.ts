import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { parseDurationMs, splitList } from '../src/commands/subscriptions.ts'

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

test('subscription flags: durations and comma-separated or repeated lists', () => {
  assert.equal(parseDurationMs('--x', '24h'), 86_400_000)
  assert.equal(parseDurationMs('--x', '500ms'), 500)
  assert.throws(() => parseDurationMs('--x', '1 day'), /like 30m, 24h or 3d/)
  assert.deepEqual(splitList(['message.received,message.status', ' message.result ']), ['message.received', 'message.status', 'message.result'])
  assert.deepEqual(splitList(undefined), [])
})

test('wabridge subscriptions add, list, rotate-secret, disable, replay (refused while disabled) and remove', async () => {
  const env = { TOPIC_PREFIX: `cli-${randomUUID().slice(0, 8)}` }
  const added = await run(env, 'subscriptions', 'add', '--url', 'https://crm.example.com/hook', '--events', 'message.received,message.status', '--numbers', '106540352242922')
  assert.equal(added.status, 0, added.stderr)
  const [id, secret] = added.stdout.trim().split(/\s+/)
  assert.match(id!, /^sub_[0-9a-f]{24}$/)
  assert.match(secret!, /^whsec_/)

  const listed = await run(env, 'subscriptions', 'list')
  assert.equal(listed.status, 0, listed.stderr)
  assert.equal(listed.stdout, `${id}  enabled   https://crm.example.com/hook  message.received,message.status  106540352242922\n`)

  const rotated = await run(env, 'subscriptions', 'rotate-secret', id!, '--expire-old-in', '1h')
  assert.equal(rotated.status, 0, rotated.stderr)
  assert.match(rotated.stdout.trim(), /^whsec_/)
  assert.notEqual(rotated.stdout.trim(), secret)
  const json = JSON.parse((await run(env, 'subscriptions', 'list', '--json')).stdout) as { secrets: Array<{ expires_at: number | null }> }
  assert.equal(json.secrets.length, 2)
  assert.equal(json.secrets[1]!.expires_at, null)

  const disabled = await run(env, 'subscriptions', 'disable', id!)
  assert.match(disabled.stdout, /disabled .* # disabled by an operator/)
  const refused = await run(env, 'subscriptions', 'replay', id!)
  assert.equal(refused.status, 1)
  assert.match(refused.stderr, /is disabled: enable it first/)

  assert.equal((await run(env, 'subscriptions', 'remove', id!)).status, 0)
  const missing = await run(env, 'subscriptions', 'remove', id!)
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /^wabridge: no subscription sub_/)
  const bad = await run(env, 'subscriptions', 'add', '--url', 'ftp://x')
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /^wabridge: url must be http or https/)
})
