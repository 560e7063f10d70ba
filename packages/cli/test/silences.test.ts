import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { parseDuration, parseMatcherFlag } from '../src/commands/silences.ts'

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

test('silence matchers and durations are parsed like the notifier reads them', () => {
  assert.deepEqual(parseMatcherFlag('name=throughput_near_limit'), { name: 'name', op: 'eq', value: 'throughput_near_limit' })
  assert.deepEqual(parseMatcherFlag('scope=~phone_number:1.*'), { name: 'scope', op: 're', value: 'phone_number:1.*' })
  assert.deepEqual(parseMatcherFlag('severity!=info'), { name: 'severity', op: 'neq', value: 'info' })
  assert.deepEqual(parseMatcherFlag('waba_id!~10.*'), { name: 'waba_id', op: 'nre', value: '10.*' })
  assert.throws(() => parseMatcherFlag('name'), /must be label=value/)
  assert.throws(() => parseMatcherFlag('name=~('), /invalid regular expression/)
  assert.equal(parseDuration('2h'), 7_200_000)
  assert.equal(parseDuration('30m'), 1_800_000)
  assert.throws(() => parseDuration('2 hours'), /like 30m, 2h or 1d/)
})

test('wabridge silences add, list and expire go through the compacted silences topic', async () => {
  const env = { TOPIC_PREFIX: `cli-${randomUUID().slice(0, 8)}` }
  const added = await run(env, 'silences', 'add', '--match', 'name=throughput_near_limit', '--match', 'scope=~phone_number:1.*', '--for', '2h', '--comment', 'campaign', '--by', 'ops')
  assert.equal(added.status, 0, added.stderr)
  const id = added.stdout.trim()
  assert.match(id, /^[0-9a-f-]{36}$/)

  const listed = await run(env, 'silences', 'list', '--json')
  assert.equal(listed.status, 0, listed.stderr)
  const [silence] = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.equal(silence!.id, id)
  assert.equal(silence!.state, 'active')
  assert.deepEqual(silence!.matchers, [{ name: 'name', op: 'eq', value: 'throughput_near_limit' }, { name: 'scope', op: 're', value: 'phone_number:1.*' }])
  assert.equal(silence!.comment, 'campaign')
  assert.equal(silence!.created_by, 'ops')
  assert.equal((silence!.ends_at as number) - (silence!.starts_at as number), 7_200_000)

  const expired = await run(env, 'silences', 'expire', id)
  assert.equal(expired.status, 0, expired.stderr)
  assert.equal((await run(env, 'silences', 'list', '--json')).stdout.trim(), '')
  const all = await run(env, 'silences', 'list', '--all')
  assert.match(all.stdout, new RegExp(`^${id} {2}expired .* name=throughput_near_limit scope=~phone_number:1\\.\\* {2}# campaign\\n$`))

  const missing = await run(env, 'silences', 'expire', 'nope')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /^wabridge: no silence nope/)
  const bad = await run(env, 'silences', 'add', '--match', 'oops', '--for', '1h')
  assert.equal(bad.status, 2)
})
