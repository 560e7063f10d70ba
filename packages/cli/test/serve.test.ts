// `wabridge serve <part>` from the sources (a development checkout), against the test run's broker:
// the part's own program, with its readiness, its drain on SIGTERM, its failures and, for egress,
// its 64 MiB semi-space however it was started.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test, type TestContext } from 'node:test'
import { brokersFromEnv } from '@wabridge/kafka/testing'
import { findFreePorts } from '@wabridge/local-kafka'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const host = '127.0.0.1'
// The parts bind their ports seconds after they are picked: ports below the ephemeral range, which no
// outgoing connection can take meanwhile (a kernel-picked one was, once: EADDRINUSE).

interface Proc { pid: number, output: () => string, exited: Promise<number | null> }

function start (t: TestContext, args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info', ...env } })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { pid: child.pid!, output: () => output, exited: new Promise((resolve) => child.once('close', (code) => resolve(code))) }
}

async function waitReady (proc: Proc, url: string): Promise<void> {
  let code: number | null | undefined
  void proc.exited.then((c) => { code = c })
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (code !== undefined) throw new Error(`exited (code ${code}) before ${url} answered:\n${proc.output()}`)
    if (await fetch(url).then((res) => res.status === 200, () => false)) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`${url} did not answer 200 within a minute:\n${proc.output()}`)
}

/**
 * The node process that runs the part: the bin's child (sources), or the process itself. Only a node
 * child counts: a part started through tsx may have tsx's esbuild service as its child.
 */
async function nodeOf (pid: number): Promise<string[]> {
  const cmdline = async (p: number | string) => (await readFile(`/proc/${p}/cmdline`, 'utf8')).split('\0').filter(Boolean)
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(' ').filter(Boolean)
  const nodeChildren = (await Promise.all(children.map(async (c) => await cmdline(c).catch(() => [])))).filter((argv) => argv[0] === process.execPath)
  return nodeChildren.length === 1 ? nodeChildren[0]! : await cmdline(pid)
}

const egressEnv = async () => ({
  KAFKA_BROKERS: brokersFromEnv().join(','),
  TOPIC_PREFIX: `serve${randomUUID().slice(0, 8)}`,
  KAFKA_TOPIC_PARTITIONS: '2',
  EGRESS_PORT: String(await findFreePorts(1, host)),
  // Nothing listens there; egress is ready without the Graph API (it is called per request).
  GRAPH_API_BASE_URL: `http://${host}:9`,
  WA_ACCESS_TOKEN: 'serve-test-token',
  // No message is sent here: the window tracker would only lengthen the start.
  EGRESS_WINDOW_MODE: 'off'
})

test('serve egress runs egress from the sources with a 64 MiB semi-space; SIGTERM drains and exits 0', async (t) => {
  const env = await egressEnv()
  const egress = start(t, [bin, 'serve', 'egress'], env)
  await waitReady(egress, `http://${host}:${env.EGRESS_PORT}/readyz`)
  const argv = await nodeOf(egress.pid)
  assert.equal(argv[1], '--max-semi-space-size=64', argv.join(' '))
  assert.ok(argv.includes('--conditions=source'), argv.join(' '))
  assert.deepEqual(argv.slice(-2), ['serve', 'egress'])
  process.kill(egress.pid, 'SIGTERM')
  assert.equal(await egress.exited, 0, egress.output())
  assert.match(egress.output(), /"signal":"SIGTERM".*\n(.*\n)*.*"exitCode":0/)
})

test('egress started as npm run egress does gets the semi-space too, in the same process', async (t) => {
  const env = await egressEnv()
  const egress = start(t, ['--import', 'tsx', '--conditions=source', 'services/egress/src/main.ts'], env)
  await waitReady(egress, `http://${host}:${env.EGRESS_PORT}/readyz`)
  assert.deepEqual((await nodeOf(egress.pid)).slice(1), ['--max-semi-space-size=64', '--import', 'tsx', '--conditions=source', `${root}services/egress/src/main.ts`])
  process.kill(egress.pid, 'SIGTERM')
  assert.equal(await egress.exited, 0, egress.output())
})

test('a semi-space given in NODE_OPTIONS is kept', async (t) => {
  const env = await egressEnv()
  const egress = start(t, ['--import', 'tsx', '--conditions=source', 'services/egress/src/main.ts'], { ...env, NODE_OPTIONS: '--max-semi-space-size=32' })
  await waitReady(egress, `http://${host}:${env.EGRESS_PORT}/readyz`)
  assert.deepEqual((await nodeOf(egress.pid)).slice(1, 2), ['--import'])
  process.kill(egress.pid, 'SIGTERM')
  assert.equal(await egress.exited, 0, egress.output())
})

test('serve api, notifier and webhooks run each part\'s own program: ready on its port, SIGTERM drains and exits 0', async (t) => {
  const common = { KAFKA_BROKERS: brokersFromEnv().join(','), TOPIC_PREFIX: `serve${randomUUID().slice(0, 8)}`, KAFKA_TOPIC_PARTITIONS: '2' }
  const parts = [
    { part: 'api', portVariable: 'API_PORT' },
    { part: 'notifier', portVariable: 'NOTIFIER_PORT' },
    { part: 'webhooks', portVariable: 'WEBHOOKS_PORT' }
  ]
  await Promise.all(parts.map(async ({ part, portVariable }) => {
    const port = await findFreePorts(1, host)
    const served = start(t, [bin, 'serve', part], { ...common, [portVariable]: String(port) })
    await waitReady(served, `http://${host}:${port}/readyz`)
    const argv = await nodeOf(served.pid)
    assert.deepEqual(argv.slice(-2), ['serve', part], argv.join(' '))
    process.kill(served.pid, 'SIGTERM')
    assert.equal(await served.exited, 0, served.output())
    assert.match(served.output(), new RegExp(`"service":"${part}".*"signal":"SIGTERM"`), `${part} logs the drain as itself`)
  }))
})

test('serve conversations and media run each part\'s own program: ready on its port, SIGTERM drains and exits 0', async (t) => {
  const common = { KAFKA_BROKERS: brokersFromEnv().join(','), TOPIC_PREFIX: `serve${randomUUID().slice(0, 8)}`, KAFKA_TOPIC_PARTITIONS: '2' }
  const mediaDir = await mkdtemp(join(tmpdir(), 'wabridge-serve-media-'))
  t.after(() => rm(mediaDir, { recursive: true, force: true }))
  const parts = [
    // No WABA configured: the catalogue has nothing to sync, so no Graph API is needed.
    { part: 'conversations', portVariable: 'CONVERSATIONS_PORT', env: {} },
    // The Graph API is called per inbound media only; the store is this test's folder.
    { part: 'media', portVariable: 'MEDIA_PORT', env: { MEDIA_STORE_URL: pathToFileURL(mediaDir).href, GRAPH_API_BASE_URL: `http://${host}:9`, WA_ACCESS_TOKEN: 'serve-test-token' } }
  ]
  await Promise.all(parts.map(async ({ part, portVariable, env }) => {
    const port = await findFreePorts(1, host)
    const served = start(t, [bin, 'serve', part], { ...common, ...env, [portVariable]: String(port) })
    await waitReady(served, `http://${host}:${port}/readyz`)
    const argv = await nodeOf(served.pid)
    assert.deepEqual(argv.slice(-2), ['serve', part], argv.join(' '))
    process.kill(served.pid, 'SIGTERM')
    assert.equal(await served.exited, 0, served.output())
    assert.match(served.output(), new RegExp(`"service":"${part}".*"signal":"SIGTERM"`), `${part} logs the drain as itself`)
  }))
})

test('a part that cannot start fails as its own main does: same message, exit code 1', async (t) => {
  // No WA_APP_SECRETS: ingress refuses its configuration.
  const env = { KAFKA_BROKERS: brokersFromEnv().join(','), INGRESS_PORT: String(await findFreePorts(1, host)), WA_APP_SECRETS: '', WA_VERIFY_TOKEN: '' }
  const served = start(t, [bin, 'serve', 'ingress'], env)
  const main = start(t, ['--import', 'tsx', '--conditions=source', 'services/ingress/src/main.ts'], env)
  assert.equal(await served.exited, 1)
  assert.equal(await main.exited, 1)
  assert.equal(served.output(), main.output())
  assert.match(served.output(), /WA_APP_SECRETS/)
})

test('serve refuses an unknown part with the list of parts', async (t) => {
  const served = start(t, [bin, 'serve', 'kafka'], {})
  assert.equal(await served.exited, 1)
  assert.match(served.output(), /Allowed choices are ingress, egress, metrics, api, notifier, webhooks, sim/)
})
