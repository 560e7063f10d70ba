import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createLocalKafka, findFreePorts, freePort, type LocalKafka } from '@wabridge/local-kafka'
import { exitWithin, spawnService, waitReady, type PartProcess } from './part-process.ts'

// Issue 12, item 9: a service whose Kafka is gone for good exits non-zero, so that its supervisor
// (systemd, Kubernetes) sees a failure. The services run as real processes against a private broker
// (the run's shared one must never be killed), which is killed with SIGKILL and never started again.
// Ingress has no consumer: a broker outage is not fatal to it (it answers 503 and Meta retries; its
// producer reconnects when the broker is back), so only its start against a dead broker is.

/** How long a service may take to exit; generous on a loaded machine (each crash cycle is kafkajs' connection retries). */
const EXIT_WAIT_MS = 150_000

let local: LocalKafka
let stateDir: string
/** Services that were ready when the broker was killed. */
const running = new Map<string, PartProcess>()
/** Services started after the broker was killed. */
const late = new Map<string, PartProcess>()
/** performance.now() when the broker was killed. */
let killedAt = 0

async function serviceEnv (name: string, common: Record<string, string>): Promise<{ env: Record<string, string>, readyUrl: string }> {
  const port = String(await freePort())
  const readyUrl = `http://127.0.0.1:${port}/readyz`
  switch (name) {
    case 'ingress':
      return { env: { ...common, INGRESS_PORT: port, WA_APP_SECRETS: 'process-exit-secret', WA_VERIFY_TOKEN: 'process-exit-token' }, readyUrl }
    case 'egress':
      // The Graph API is never called (nothing is sent): its port only has to be unused.
      return { env: { ...common, EGRESS_PORT: port, GRAPH_API_BASE_URL: `http://127.0.0.1:${await freePort()}`, WA_ACCESS_TOKEN: 'process-exit-token' }, readyUrl }
    default:
      return { env: { ...common, METRICS_PORT: port, PROMETHEUS_PORT: String(await freePort()) }, readyUrl }
  }
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'wabridge-process-exit-'))
  local = createLocalKafka({ stateDir: join(stateDir, 'kafka'), basePort: await findFreePorts(2) })
  await local.start()
  const common = {
    KAFKA_BROKERS: local.brokers.join(','),
    KAFKA_TOPIC_PARTITIONS: '1',
    LOG_LEVEL: 'info',
    OTEL_SDK_DISABLED: 'true',
    // A stop that cannot drain against a dead broker ends within this (plus the edge's allowance).
    SHUTDOWN_TIMEOUT_MS: '6000',
    // One restart after a crash, not five, once the services read it (issue 12, item 9): until then the
    // default budget applies and egress and metrics take about 90 s instead of about 20 s to exit.
    KAFKA_CONSUMER_MAX_RESTARTS: '1'
  }
  const ready: Array<Promise<void>> = []
  for (const name of ['egress', 'metrics']) {
    const { env, readyUrl } = await serviceEnv(name, common)
    const part = spawnService(name, env)
    running.set(name, part)
    ready.push(waitReady(part, readyUrl, 90_000))
  }
  await Promise.all(ready)
  await local.killNode(1)
  killedAt = performance.now()
  for (const name of ['ingress', 'egress', 'metrics']) late.set(name, spawnService(name, (await serviceEnv(name, common)).env))
})

after(async () => {
  for (const part of [...running.values(), ...late.values()]) part.kill()
  await local.stop()
  await rm(stateDir, { recursive: true, force: true })
})

async function assertExitsNonZero (part: PartProcess, diagnostic: (line: string) => void): Promise<void> {
  const exit = await exitWithin(part, EXIT_WAIT_MS)
  assert.ok(exit, `${part.name} still runs ${EXIT_WAIT_MS} ms after its broker was killed:\n${part.output().slice(-3000)}`)
  diagnostic(`${part.name} exited ${Math.round(part.exitedAt! - killedAt)} ms after the broker was killed: ${JSON.stringify(exit)}; ${whyStopped(part.output())}`)
  assert.deepEqual(exit, { code: 1, signal: null }, part.output().slice(-3000))
}

/** The reason the edge logged ("<name> failed, stopping" and its error), or the config error line. */
function whyStopped (output: string): string {
  for (const line of output.split('\n')) {
    if (!line.includes('failed, stopping')) continue
    try {
      const entry = JSON.parse(line) as { msg?: string, err?: { message?: string } }
      return `${entry.msg}: ${entry.err?.message}`
    } catch {
      return line
    }
  }
  return output.trim().split('\n').at(-1) ?? ''
}

for (const name of ['egress', 'metrics']) {
  test(`${name} exits non-zero once its broker is gone for good`, async (t) => {
    await assertExitsNonZero(running.get(name)!, (line) => t.diagnostic(line))
  })
}

for (const name of ['ingress', 'egress', 'metrics']) {
  test(`${name} started while its broker is gone exits non-zero`, async (t) => {
    await assertExitsNonZero(late.get(name)!, (line) => t.diagnostic(line))
  })
}
