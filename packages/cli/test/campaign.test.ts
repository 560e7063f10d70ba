import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCampaignsApp, loadConfig } from '@wabridge/campaigns'
import { createLogger } from '@wabridge/telemetry'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'

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

test('wabridge campaign create (with a CSV audience and its bad rows by line), pause, list, status, cancel and status --watch', async (t) => {
  const config = loadConfig({ KAFKA_BROKERS: brokers, TOPIC_PREFIX: `cli-cmp-${randomUUID().slice(0, 8)}`, KAFKA_TOPIC_PARTITIONS: '1', CAMPAIGNS_PORT: '0', CAMPAIGNS_TICK_MS: '50', CAMPAIGNS_SESSION_TIMEOUT_MS: '6000', CAMPAIGNS_DEFAULT_MPS: '2', CAMPAIGNS_DEFAULT_TIER: 'TIER_UNLIMITED', LOG_LEVEL: 'silent' })
  const app = createCampaignsApp(config, { logger: createLogger({ level: 'silent', name: 'cli-test' }), reach: null })
  t.after(() => app.stop())
  await app.start()
  for (let i = 0; i < 2400 && app.owned().length === 0; i++) await sleep(25)
  const env = { CAMPAIGNS_URL: app.url! }
  const dir = mkdtempSync(join(tmpdir(), 'cli-campaign-'))
  const csv = join(dir, 'audience.csv')
  writeFileSync(csv, 'phone,name\n+16502530001,Ann\nnot a number,Bob\n+16502530002,Cy\n+16502530001,Ann again\n')

  const created = await run(env, 'campaign', 'create', '--number', '106540352242922', '--name', 'cli', '--template', 'reminder', '--body-param', '{{name}}', '--audience', csv, '--rate', '0.5', '--start')
  assert.equal(created.status, 0, created.stderr)
  assert.match(created.stderr, /audience\.csv:3: 'not a number' is not a phone number/)
  assert.match(created.stderr, /audience: 2 recipients, 1 invalid rows, 1 duplicates/)
  const id = created.stdout.split(/\s+/)[0]!
  assert.match(created.stdout, /running\s+cli {2}to 2/)

  const paused = await run(env, 'campaign', 'pause', id)
  assert.equal(paused.status, 0, paused.stderr)
  assert.match(paused.stdout, new RegExp(`^${id} {2}paused`))
  const again = await run(env, 'campaign', 'pause', id)
  assert.equal(again.status, 1)
  assert.match(again.stderr, /only a running or scheduled campaign can be paused/)

  const listed = await run(env, 'campaign', 'list', '--json')
  assert.deepEqual(JSON.parse(listed.stdout).map((c: { id: string, state: string }) => [c.id, c.state]), [[id, 'paused']])
  const status = JSON.parse((await run(env, 'campaign', 'status', id, '--json')).stdout)
  assert.equal(status.audience.size, 2)
  assert.equal((await run(env, 'campaign', 'cancel', id)).status, 0)
  const watched = await run(env, 'campaign', 'status', id, '--watch')
  assert.equal(watched.status, 0)
  assert.match(watched.stdout, /cancelled/)
  const missing = await run(env, 'campaign', 'status', 'nope')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /no campaign nope/)
})
