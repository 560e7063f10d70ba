// `wabridge start` against the test run's broker (KAFKA_BROKERS set: no local broker), on free ports:
// the whole stack comes up (the HTTP API, the CRM webhooks, the notifier, conversations and media too), egress with its 64 MiB semi-space, and SIGTERM stops it with exit code 0.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { brokersFromEnv } from '@wabridge/kafka/testing'
import { freePort } from '@wabridge/local-kafka'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))

/** Every process below `pid`, with its command line. */
async function descendants (pid: number): Promise<Array<{ pid: number, argv: string[] }>> {
  const table: Array<{ pid: number, ppid: number }> = []
  for (const entry of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    if (stat) table.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) })
  }
  const found: number[] = []
  for (let level = [pid]; level.length > 0;) {
    level = table.filter((p) => level.includes(p.ppid)).map((p) => p.pid)
    found.push(...level)
  }
  return Promise.all(found.map(async (p) => ({ pid: p, argv: (await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean) })))
}

test('wabridge start runs the stack, egress with its semi-space, and stops it on SIGTERM with exit code 0', async (t) => {
  const [ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns, conversations, media, sim, prometheus] = await Promise.all(Array.from({ length: 12 }, () => freePort()))
  // Each part with an HTTP server exports its request metrics on a Prometheus port of its own.
  const scraped = { EGRESS: egress, API: api, NOTIFIER: notifier, WEBHOOKS: webhooks, SCHEDULER: scheduler, CAMPAIGNS: campaigns, CONVERSATIONS: conversations, MEDIA: media }
  const scrapePorts = Object.fromEntries(await Promise.all(Object.keys(scraped).map(async (part) => [part, await freePort()] as const)))
  // The media worker's store: a folder of this test's, not the checkout's .wabridge/media.
  const mediaDir = await mkdtemp(join(tmpdir(), 'wabridge-start-'))
  t.after(() => rm(mediaDir, { recursive: true, force: true }))
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    KAFKA_BROKERS: brokersFromEnv().join(','),
    TOPIC_PREFIX: `start${randomUUID().slice(0, 8)}`,
    KAFKA_TOPIC_PARTITIONS: '2',
    INGRESS_PORT: String(ingress),
    EGRESS_PORT: String(egress),
    METRICS_PORT: String(metrics),
    API_PORT: String(api),
    NOTIFIER_PORT: String(notifier),
    WEBHOOKS_PORT: String(webhooks),
    SCHEDULER_PORT: String(scheduler),
    CAMPAIGNS_PORT: String(campaigns),
    CONVERSATIONS_PORT: String(conversations),
    MEDIA_PORT: String(media),
    MEDIA_STORE_URL: pathToFileURL(join(mediaDir, 'media')).href,
    SIM_PORT: String(sim),
    PROMETHEUS_PORT: String(prometheus),
    ...Object.fromEntries(Object.entries(scrapePorts).map(([part, port]) => [`${part}_PROMETHEUS_PORT`, String(port)]))
  }
  const child = spawn(process.execPath, [bin, 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let output = ''
  const running = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('wabridge is running')) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => reject(new Error(`wabridge start exited (code ${code}) before it ran:\n${output}`)))
  })
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)))
  await running

  const parts = await descendants(child.pid!)
  const egressProcess = parts.find((p) => p.argv.some((arg) => arg.endsWith('services/egress/src/main.ts')))
  assert.ok(egressProcess, `no egress below wabridge start: ${JSON.stringify(parts)}`)
  assert.ok(egressProcess.argv.includes('--max-semi-space-size=64'), egressProcess.argv.join(' '))
  for (const port of [egress, api, notifier, webhooks, conversations, media]) assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200, `port ${port} is ready`)
  // Every part's HTTP server counts what it answered, by route pattern: the /readyz above (and the stack's own probes).
  for (const [part, port] of Object.entries(scraped)) {
    await fetch(`http://127.0.0.1:${port}/readyz`)
    const text = await (await fetch(`http://127.0.0.1:${scrapePorts[part]}/metrics`)).text()
    assert.match(text, /^wabridge_http_requests_total\{[^}]*method="GET"[^}]*route="\/readyz"[^}]*status_code="(200|503)"[^}]*\} [1-9]\d*/m, `${part}: no /readyz in wabridge_http_requests_total:\n${text.split('\n').filter((l) => l.includes('wabridge_http')).join('\n')}`)
    assert.match(text, /^wabridge_http_request_duration_count\{[^}]*route="\/readyz"/m, `${part}: no request duration`)
  }

  child.kill('SIGTERM')
  assert.equal(await exited, 0, output)
  assert.match(output, /\[start {3}\] stopped/)
  // A part may end a moment after the stack's own exit (its parent's pipe closes first).
  const alive = async () => (await Promise.all(parts.map(async (p) => await access(`/proc/${p.pid}`).then(() => [p], () => [])))).flat()
  let left = await alive()
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    left = await alive()
  }
  assert.deepEqual(left, [], 'every part stopped with the stack')
})
