import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { createConversationsApp, loadConfig } from '@wabridge/conversations-service'
import { createGraphApiSim } from '@wabridge/graph-api-sim'
import { createLogger } from '@wabridge/telemetry'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const WABA = '102290129340398'

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

test('wabridge templates list, show (with --json) and sync against the conversations service and the simulator', { timeout: 120_000 }, async (t) => {
  const sim = createGraphApiSim({ pairRate: false })
  await sim.start()
  t.after(() => sim.stop())
  const app = createConversationsApp(loadConfig({
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: `cli-tpl-${randomUUID().slice(0, 8)}`,
    KAFKA_TOPIC_PARTITIONS: '1',
    CONVERSATIONS_PORT: '0',
    CONVERSATIONS_SESSION_TIMEOUT_MS: '6000',
    CONVERSATIONS_WABAS: WABA,
    GRAPH_API_BASE_URL: sim.url,
    WA_ACCESS_TOKEN: 'test-token',
    LOG_LEVEL: 'silent'
  }), { logger: createLogger({ level: 'silent', name: 'cli-test' }) })
  t.after(() => app.stop())
  await app.start()
  const env = { CONVERSATIONS_URL: app.url! }

  // The first sync runs in the background at start: `sync` joins it or runs another; either way the catalogue is complete after it.
  const synced = await run(env, 'templates', 'sync')
  assert.equal(synced.status, 0, synced.stderr)
  assert.match(synced.stdout, new RegExp(`${WABA}  synced: 5 listed`))

  const list = await run(env, 'templates', 'list', '--waba', WABA)
  assert.equal(list.status, 0, list.stderr)
  assert.match(list.stdout, /seasonal_promotion\s+it\s+APPROVED\s+MARKETING/)
  assert.match(list.stderr, /5 template\(s\)/)

  const shown = await run(env, 'templates', 'show', WABA, 'appointment_reminder', 'en-US', '--json')
  assert.equal(shown.status, 0, shown.stderr)
  const t1 = JSON.parse(shown.stdout) as { status: string, components: Array<{ text?: string }> }
  assert.equal(t1.status, 'APPROVED')
  assert.match(t1.components[0]!.text ?? '', /\{\{3\}\}/)

  // Paused at Meta: a sync shows the change.
  sim.setTemplateStatus(sim.templates(WABA).find((x) => x.name === 'hello_world')!.id, { status: 'PAUSED' })
  const again = await run(env, 'templates', 'sync')
  assert.equal(again.status, 0, again.stderr)
  assert.match(again.stdout, /~ hello_world en_US {2}APPROVED → PAUSED/)
  const paused = await run(env, 'templates', 'list', '--status', 'paused', '--json')
  assert.deepEqual((JSON.parse(paused.stdout) as { templates: Array<{ name: string }> }).templates.map((x) => x.name), ['hello_world'])

  const missing = await run(env, 'templates', 'show', WABA, 'appointment_reminder', 'fr')
  assert.equal(missing.status, 1)
  assert.match(missing.stderr, /no template appointment_reminder in fr .*languages known: en_US/)
})
