import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { findFreePorts } from '@wabridge/local-kafka'
import { descendants, isAlive, survivorsAfter } from './process-tree.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const PARTS = [
  'graph-api-sim/src/main.ts', 'ingress/src/main.ts', 'egress/src/main.ts', 'metrics/src/main.ts', 'api/src/main.ts', 'webhooks/src/main.ts', 'notifier/src/main.ts',
  'scheduler/src/main.ts', 'campaigns/src/main.ts', 'conversations/src/main.ts', 'media/src/main.ts', 'kafka-watchdog.ts', 'kafka.Kafka'
]

/** Env of a whole stack on free ports, with its own local broker in a temporary folder. */
async function stackEnv (t: TestContext): Promise<NodeJS.ProcessEnv> {
  const stateDir = await mkdtemp(join(tmpdir(), 'wabridge-stack-'))
  t.after(() => rm(stateDir, { recursive: true, force: true }))
  // Consecutive free ports: the broker takes two (broker, controller).
  const base = await findFreePorts(14)
  const [kafka, ingress, egress, metrics, sim, prometheus, api, notifier, webhooks, scheduler, campaigns, conversations, media] =
    [base, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, base + 9, base + 10, base + 11, base + 12, base + 13]
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOCAL_KAFKA_PORT: String(kafka),
    LOCAL_KAFKA_STATE_DIR: join(stateDir, 'kafka'),
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
    MEDIA_STORE_URL: pathToFileURL(join(stateDir, 'media')).href,
    SIM_PORT: String(sim),
    PROMETHEUS_PORT: String(prometheus),
    KAFKA_TOPIC_PARTITIONS: '1'
  }
  // The stack's own broker: npm test's broker must not be used (or stopped).
  delete env.KAFKA_BROKERS
  return env
}

/** Starts `command`, waits until the stack says it runs, and returns every process under it. */
async function startStack (t: TestContext, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess, pids: number[], output: () => string }> {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  let pids: number[] = []
  // Whatever happens, nothing of this stack is left behind.
  t.after(() => { for (const pid of [child.pid!, ...pids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL') })
  const deadline = Date.now() + 180_000
  while (!output.includes('wabridge is running') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200))
  assert.match(output, /wabridge is running/, output.slice(-3000))
  const tree = descendants(child.pid!)
  pids = tree.map((p) => p.pid)
  for (const part of PARTS) assert.ok(tree.some((p) => p.command.includes(part)), `${part} runs under the stack: ${JSON.stringify(tree)}`)
  return { child, pids, output: () => output }
}

test('SIGTERM to npm start\'s PID stops the whole stack: every part, the broker and its watchdog', { timeout: 300_000 }, async (t) => {
  const env = await stackEnv(t)
  const { child, pids, output } = await startStack(t, 'npm', ['run', 'start'], env)
  // What systemd or a container runtime does: one SIGTERM to the PID it started, npm.
  process.kill(child.pid!, 'SIGTERM')
  const survivors = await survivorsAfter(pids, 30_000)
  assert.deepEqual(survivors.map((pid) => descendants(1).find((p) => p.pid === pid)?.command ?? pid), [], `still running 30 s after SIGTERM:\n${output().slice(-3000)}`)
  assert.match(output(), /exited: stopping/)
})

test('SIGKILL to the stack process leaves no part behind: each sees its IPC channel close, the watchdog stops the broker', { timeout: 300_000 }, async (t) => {
  const env = await stackEnv(t)
  const { child, pids, output } = await startStack(t, process.execPath, ['--import', 'tsx', '--conditions=source', 'scripts/start.ts'], env)
  process.kill(child.pid!, 'SIGKILL')
  // Parts drain (SHUTDOWN_TIMEOUT_MS, 10 s), then the watchdog stops the broker (10 s grace).
  const survivors = await survivorsAfter(pids, 45_000)
  assert.deepEqual(survivors, [], `still running 45 s after the stack was killed:\n${output().slice(-3000)}`)
})

test('with a real Graph API configured, npm start refuses to run without the real secrets and names what is missing', { timeout: 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, GRAPH_API_BASE_URL: 'https://graph.facebook.com', KAFKA_BROKERS: '127.0.0.1:1', WA_VERIFY_TOKEN: 'given' }
  for (const name of ['WA_APP_SECRETS', 'WA_APP_SECRETS_FILE', 'WA_ACCESS_TOKEN', 'WA_ACCESS_TOKEN_FILE', 'WA_ACCESS_TOKENS', 'WA_ACCESS_TOKENS_FILE']) delete env[name]
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  assert.equal(code, 1, output)
  assert.match(output, /GRAPH_API_BASE_URL is set .* missing: WA_APP_SECRETS or WA_APP_SECRETS_FILE; WA_ACCESS_TOKEN or WA_ACCESS_TOKEN_FILE or WA_ACCESS_TOKENS or WA_ACCESS_TOKENS_FILE/)
  assert.doesNotMatch(output, /dev-app-secret|dev-access-token|dev-verify-token/)
  assert.doesNotMatch(output, /WA_VERIFY_TOKEN/)
})
