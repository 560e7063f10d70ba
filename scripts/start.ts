/**
 * `npm start`: the whole gateway on one machine. Starts the local Kafka broker when KAFKA_BROKERS
 * is unset, creates the topics, starts the Graph API simulator when GRAPH_API_BASE_URL is unset,
 * then ingress, egress and metrics, each as its own process with its logs prefixed. Ctrl-C or
 * SIGTERM stops everything in reverse order; a part that dies stops the stack and is reported.
 */
import '@wabridge/process/node-floor'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLocalKafka, type LocalKafka } from '@wabridge/local-kafka'
import { createKafkaClient, ensureTopics } from '@wabridge/kafka'
import { formatLogLine } from './log-format.ts'

const root = resolve(fileURLToPath(import.meta.url), '../..')
const say = (part: string, line: string) => process.stdout.write(`[${part.padEnd(7)}] ${line}\n`)

/** Development secrets, printed at start: never use them outside this machine. */
const DEV = { appSecret: 'dev-app-secret', verifyToken: 'dev-verify-token', accessToken: 'dev-access-token' }

interface Part {
  name: string
  main: string
  /** Node flags before the entry point, as in the part's root npm script. */
  nodeFlags?: string[]
  env: Record<string, string>
  ready: string
  child?: ChildProcess
  exited?: Promise<number | null>
}

function launch (part: Part, onUnexpectedExit: (part: Part, code: number | null) => void): void {
  // Own process group: a Ctrl-C in the terminal reaches only this script, which then stops the
  // parts one by one in order (each gets exactly one SIGTERM).
  const child = spawn(process.execPath, [...part.nodeFlags ?? [], '--import', 'tsx', '--conditions=source', resolve(root, part.main)], {
    env: { ...process.env, ...part.env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: root, detached: true
  })
  part.child = child
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => say(part.name, formatLogLine(line)))
  }
  part.exited = new Promise((resolve) => child.once('exit', (code) => { resolve(code); onUnexpectedExit(part, code) }))
}

async function waitReady (part: Part, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (part.child?.exitCode !== null && part.child?.exitCode !== undefined) throw new Error(`${part.name} exited with code ${part.child.exitCode} while starting`)
    try {
      if ((await fetch(part.ready)).ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${part.name} was not ready at ${part.ready} within ${timeoutMs / 1000} s`)
}

async function stopPart (part: Part, graceMs = 15_000): Promise<void> {
  const child = part.child
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await part.exited
  clearTimeout(timer)
}

const parts: Part[] = []
let kafka: LocalKafka | undefined
let stopping = false

async function stopAll (reason: string): Promise<void> {
  if (stopping) return
  stopping = true
  say('start', `${reason}: stopping`)
  // Traffic sources first (the simulator sends webhooks), Kafka last: everything flushes to it.
  const order = [...parts.filter((p) => p.name === 'sim'), ...parts.filter((p) => p.name !== 'sim').reverse()]
  for (const part of order) await stopPart(part)
  if (kafka) await kafka.stop()
  say('start', 'stopped')
}

async function main (): Promise<number> {
  const env = process.env
  const host = '127.0.0.1'
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback)
  const ingressPort = port('INGRESS_PORT', 8080)
  const egressPort = port('EGRESS_PORT', 8081)
  const metricsPort = port('METRICS_PORT', 8082)
  const simPort = port('SIM_PORT', 8090)
  let brokers = env.KAFKA_BROKERS
  if (!brokers) {
    kafka = createLocalKafka({ stateDir: resolve(root, '.wabridge/kafka'), log: (line) => say('kafka', line) })
    await kafka.start()
    brokers = kafka.brokers.join(',')
  }
  const prefix = env.TOPIC_PREFIX ?? 'wa'
  const admin = createKafkaClient({ brokers: brokers.split(','), clientId: 'wabridge-start' }).admin()
  await admin.connect()
  const topics = await ensureTopics(admin, { prefix, partitions: Number(env.KAFKA_TOPIC_PARTITIONS ?? 12), replicationFactor: Number(env.KAFKA_REPLICATION_FACTOR ?? 1) })
  await admin.disconnect()
  say('topics', `${topics.created.length} created, ${topics.existing.length} already there (prefix ${prefix})`)

  const graphUrl = env.GRAPH_API_BASE_URL ?? `http://${host}:${simPort}`
  const common = { KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix }
  if (!env.GRAPH_API_BASE_URL) {
    parts.push({
      name: 'sim',
      main: 'packages/graph-api-sim/src/main.ts',
      env: { SIM_PORT: String(simPort), SIM_WEBHOOK_URL: `http://${host}:${ingressPort}/webhook`, SIM_APP_SECRET: env.WA_APP_SECRETS?.split(',')[0] ?? DEV.appSecret },
      ready: `http://${host}:${simPort}/_sim/healthz`
    })
  }
  parts.push(
    {
      name: 'ingress',
      main: 'services/ingress/src/main.ts',
      // PROMETHEUS_PORT is the metrics service's; ingress and egress export only when asked (9465 / 9466).
      env: { ...common, PROMETHEUS_PORT: env.INGRESS_PROMETHEUS_PORT ?? '', INGRESS_PORT: String(ingressPort), WA_APP_SECRETS: env.WA_APP_SECRETS ?? DEV.appSecret, WA_VERIFY_TOKEN: env.WA_VERIFY_TOKEN ?? DEV.verifyToken },
      ready: `http://${host}:${ingressPort}/readyz`
    },
    {
      name: 'egress',
      main: 'services/egress/src/main.ts',
      // A larger young generation: egress allocates per message (measured in docs/benchmarks.md).
      nodeFlags: ['--max-semi-space-size=64'],
      env: { ...common, PROMETHEUS_PORT: env.EGRESS_PROMETHEUS_PORT ?? '', EGRESS_PORT: String(egressPort), GRAPH_API_BASE_URL: graphUrl, WA_ACCESS_TOKEN: env.WA_ACCESS_TOKEN ?? DEV.accessToken },
      ready: `http://${host}:${egressPort}/readyz`
    },
    {
      name: 'metrics',
      main: 'services/metrics/src/main.ts',
      env: { ...common, METRICS_PORT: String(metricsPort), PROMETHEUS_PORT: env.PROMETHEUS_PORT ?? '9464' },
      ready: `http://${host}:${metricsPort}/readyz`
    }
  )

  let failed: string | undefined
  const onUnexpectedExit = (part: Part, code: number | null) => {
    if (stopping) return
    failed = `${part.name} exited unexpectedly (code ${code})`
    say('start', `${failed}; see its log lines above`)
    void stopAll(failed).then(() => { process.exitCode = 1 })
  }
  // Should this script die anyway, take the parts along ('exit' handlers run synchronously).
  process.once('exit', () => { for (const p of parts) if (p.child?.exitCode === null) p.child.kill('SIGKILL') })
  // `on`, not `once`: npm may forward the same Ctrl-C again, and a second, unhandled SIGINT would
  // kill this script before the parts are stopped.
  process.on('SIGINT', () => { void stopAll('SIGINT') })
  process.on('SIGTERM', () => { void stopAll('SIGTERM') })

  for (const part of parts) {
    launch(part, onUnexpectedExit)
    await waitReady(part)
    if (stopping) return 1
  }

  const rows = [
    ['Kafka', brokers + (kafka ? '  (local broker; state in .wabridge/kafka)' : '  (KAFKA_BROKERS)')],
    ['ingress', `http://${host}:${ingressPort}/webhook   (GET handshake, POST signed webhooks)`],
    ['egress', `http://${host}:${egressPort}/readyz   → Graph API ${graphUrl}`],
    ['metrics', `http://${host}:${metricsPort}/v1/usage   Prometheus http://${host}:${env.PROMETHEUS_PORT ?? 9464}/metrics`],
    ...(env.GRAPH_API_BASE_URL ? [] : [['Graph API sim', `http://${host}:${simPort}   (control: /_sim/stats)`]])
  ]
  process.stdout.write('\n  wabridge is running\n\n')
  for (const [name, where] of rows) process.stdout.write(`  ${name!.padEnd(14)} ${where}\n`)
  process.stdout.write('\n  development secrets (this machine only):\n')
  process.stdout.write(`    app secret      ${env.WA_APP_SECRETS ? '(WA_APP_SECRETS)' : DEV.appSecret}\n`)
  process.stdout.write(`    verify token    ${env.WA_VERIFY_TOKEN ? '(WA_VERIFY_TOKEN)' : DEV.verifyToken}\n`)
  process.stdout.write(`    access token    ${env.WA_ACCESS_TOKEN ? '(WA_ACCESS_TOKEN)' : DEV.accessToken}\n`)
  process.stdout.write('\n  next: npx wabridge send --from 106540352242922 --to +16505551234 --text "Hello" --wait\n')
  process.stdout.write('        npx wabridge tail wa.outbound.results      Stop: Ctrl-C\n\n')
  return failed ? 1 : 0
}

main().then((code) => { if (code !== 0) process.exitCode = code }, async (err: unknown) => {
  say('start', `failed: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
  await stopAll('start failed')
})
