import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { matchesApiKey } from '@wabridge/schemas'
import { createContext } from '../src/context.ts'
import { keysList, keysRevoke, newKeyRecord } from '../src/commands/keys.ts'

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

/** What `fn` writes to stdout (the commands print there), without it reaching the test's output. */
async function stdoutOf (fn: () => Promise<unknown>): Promise<string> {
  const write = process.stdout.write
  let out = ''
  process.stdout.write = ((chunk: string | Uint8Array) => { out += chunk.toString(); return true }) as typeof process.stdout.write
  try {
    await fn()
  } finally {
    process.stdout.write = write
  }
  return out
}

test('a new key record holds the scope, the rate and a hash of the key, never the key', () => {
  const { key, record } = newKeyRecord({ wabas: '102290129340398', numbers: '106540352242922, 106540352242923', rate: '2.5', name: 'crm' }, 1000)
  assert.deepEqual({ ...record, key_id: '', secret_sha256: '' }, {
    key_id: '', name: 'crm', secret_sha256: '', waba_ids: ['102290129340398'], phone_number_ids: ['106540352242922', '106540352242923'], rate_per_second: 2.5, burst: 3, created_at: 1000, revoked_at: null
  })
  assert.ok(matchesApiKey(record, key))
  // The secret follows the key id's underscore; it may hold underscores itself (base64url).
  const secret = key.slice(key.indexOf('_', 'wab_'.length) + 1)
  assert.equal(secret.length, 43)
  assert.ok(!JSON.stringify(record).includes(secret))
  assert.throws(() => newKeyRecord({ rate: '1' }, 0), /--wabas and\/or --numbers/)
  assert.throws(() => newKeyRecord({ wabas: '1', rate: '0' }, 0), /--rate/)
  assert.throws(() => newKeyRecord({ numbers: '+1650', rate: '1' }, 0), /--numbers takes ids/)
  assert.throws(() => newKeyRecord({ numbers: '1', rate: '1', burst: '1.5' }, 0), /--burst/)
})

test('wabridge keys create, list and revoke go through the compacted keys topic', async () => {
  const prefix = `cli-${randomUUID().slice(0, 8)}`
  // The command itself once (its wiring); the rest in this process (each CLI start costs seconds).
  const created = await run({ TOPIC_PREFIX: prefix }, 'keys', 'create', '--wabas', '102290129340398', '--rate', '50', '--name', 'crm')
  assert.equal(created.status, 0, created.stderr)
  const key = created.stdout.trim()
  assert.match(key, /^wab_k[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/)
  const keyId = key.split('_')[1]!

  const ctx = createContext({ brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', prefix })
  const listed = await stdoutOf(() => keysList(ctx, { json: true }))
  const rows = listed.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  assert.deepEqual(rows.map((r) => [r.key_id, r.name, r.waba_ids, r.rate_per_second, r.burst, r.revoked_at]), [[keyId, 'crm', ['102290129340398'], 50, 50, null]])
  assert.ok(!listed.includes(key.slice(-43)), 'the list never shows the key')

  assert.equal(await stdoutOf(() => keysRevoke(ctx, keyId, {})), `revoked ${keyId}\n`)
  const after = JSON.parse((await stdoutOf(() => keysList(ctx, { json: true }))).trim()) as { revoked_at: string | null }
  assert.ok(after.revoked_at !== null && Date.parse(after.revoked_at) > 0)
  await assert.rejects(keysRevoke(ctx, 'k0000000000000000', {}), /no key k0000000000000000/)
})
