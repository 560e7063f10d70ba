import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findFreePorts } from '@wabridge/local-kafka'
import type { ProcessGroup } from './children.ts'
import { createManagedPart, type ManagedPart } from './managed-part.ts'
import { createSimClient, type SimClient } from './sim-client.ts'
import { startWebhookRecorder, type WebhookRecorder } from './webhook-recorder.ts'

const root = resolve(fileURLToPath(import.meta.url), '../../../..')
const SOURCES = ['--conditions=source']
const SIM_MAIN = 'packages/graph-api-sim/src/main.ts'
const INGRESS_MAIN = 'services/ingress/src/main.ts'
const EGRESS_MAIN = 'services/egress/src/main.ts'
/** Egress's own young-generation flag (it would re-exec itself to add it, but not with an IPC channel). */
const EGRESS_FLAGS = ['--max-semi-space-size=64']

export const APP_SECRET = 'faults-app-secret'
export const ACCESS_TOKEN = 'faults-access-token'

export interface StackOptions {
  group: ProcessGroup
  brokers: string[]
  prefix: string
  partitions: number
  replicationFactor: number
  /** Messages per second per number, at the sim and in egress. */
  mps: number
  egressInstances: number
  /** KAFKA_SESSION_TIMEOUT_MS of the egress instances. */
  sessionTimeoutMs: number
  /** More env for every egress instance (wins over the harness's own). */
  egressEnv?: Record<string, string>
  readyTimeoutMs: number
  /** Where the parts' logs are (for error messages). */
  logDir: string
  onEvent: (line: string) => void
}

/** Simulator → webhook recorder → ingress → Kafka, and egress instances sending to the simulator. */
export interface Stack {
  sim: SimClient
  simPart: ManagedPart
  recorder: WebhookRecorder
  ingress: ManagedPart
  /** By instance name, egress-1 … egress-N. */
  egress: Map<string, ManagedPart>
  stop (): Promise<void>
}

/** The environment of every part: the harness's own (extra settings pass through), minus the test runner's. */
function baseEnv (brokers: string[], prefix: string, partitions: number, replicationFactor: number): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env }
  delete env.NODE_TEST_CONTEXT
  return {
    ...env,
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    KAFKA_REPLICATION_FACTOR: String(replicationFactor),
    LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info'
  }
}

export async function startStack (options: StackOptions): Promise<Stack> {
  const { group, onEvent } = options
  const env = baseEnv(options.brokers, options.prefix, options.partitions, options.replicationFactor)
  // Parts are killed and started again on the same port: ports below the ephemeral range, which no
  // outgoing connection can take while a part is down (a kernel-picked one could: EADDRINUSE on restart).
  const [simPort, ingressPort] = [await findFreePorts(1), await findFreePorts(1)]
  const ingressUrl = `http://127.0.0.1:${ingressPort}`
  const recorder = await startWebhookRecorder(`${ingressUrl}/webhook`)
  const parts: ManagedPart[] = []
  const managed = (name: string, args: string[], partEnv: Record<string, string>, readyUrl: string) => {
    const part = createManagedPart({
      group, onEvent, readyUrl, readyTimeoutMs: options.readyTimeoutMs, spawn: { name, args, cwd: root, env: { ...env, ...partEnv } }
    })
    parts.push(part)
    return part
  }

  const simPart = managed('sim', [...SOURCES, SIM_MAIN], {
    SIM_PORT: String(simPort),
    SIM_WEBHOOK_URL: recorder.url,
    SIM_APP_SECRET: APP_SECRET,
    SIM_DEFAULT_MPS: String(options.mps),
    SIM_PAIR_RATE: 'false',
    // Webhooks refused during a broker stall are retried well past it (Meta keeps trying for days).
    SIM_WEBHOOK_MAX_ATTEMPTS: '40',
    SIM_WEBHOOK_RETRY_BASE_MS: '500',
    SIM_MAX_RECORDS: '5000000'
  }, `http://127.0.0.1:${simPort}/_sim/healthz`)
  const ingress = managed('ingress', [...SOURCES, INGRESS_MAIN], {
    INGRESS_PORT: String(ingressPort),
    WA_APP_SECRETS: APP_SECRET,
    WA_VERIFY_TOKEN: 'faults-verify-token'
  }, `${ingressUrl}/readyz`)
  const egress = new Map<string, ManagedPart>()
  for (let i = 1; i <= options.egressInstances; i++) {
    const name = `egress-${i}`
    const port = await findFreePorts(1)
    egress.set(name, managed(name, [...EGRESS_FLAGS, ...SOURCES, EGRESS_MAIN], {
      EGRESS_PORT: String(port),
      EGRESS_INSTANCE_ID: name,
      KAFKA_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs),
      GRAPH_API_BASE_URL: `http://127.0.0.1:${simPort}`,
      WA_ACCESS_TOKEN: ACCESS_TOKEN,
      EGRESS_DEFAULT_MPS: String(options.mps),
      EGRESS_COUNT_INBOUND: 'false',
      // Free-form messages to customers who never wrote: the window check is not what the fault runs test.
      EGRESS_WINDOW_MODE: 'off',
      ...options.egressEnv
    }, `http://127.0.0.1:${port}/readyz`))
  }

  const stop = async () => {
    await Promise.all(parts.map((p) => p.stop()))
    await recorder.close()
  }
  try {
    const started = await Promise.all([simPart.start(), ingress.start()])
    if (started.some((s) => s !== 'ready')) throw new Error(`the simulator or the ingress did not become ready (${started.join(', ')}); see their logs in ${options.logDir}`)
    // The first instance creates egress's own topics alone (several at once would race to create them).
    const [first, ...others] = [...egress.values()]
    const outcome = await first!.start()
    if (outcome !== 'ready') throw new Error(`${first!.name} did not become ready (${outcome}); see its log in ${options.logDir}`)
    const rest = await Promise.all(others.map((p) => p.start()))
    const notReady = others.filter((_, i) => rest[i] !== 'ready').map((p) => p.name)
    if (notReady.length > 0) throw new Error(`${notReady.join(', ')} did not become ready; see the logs in ${options.logDir}`)
  } catch (err) {
    await stop()
    throw err
  }
  return { sim: createSimClient(`http://127.0.0.1:${simPort}`), simPart, recorder, ingress, egress, stop }
}
