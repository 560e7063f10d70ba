import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createInterface } from 'node:readline'
import { createKafkaClient, ensureTopics } from '@wabridge/kafka'
import { createLocalKafka, type LocalKafka } from '@wabridge/local-kafka'
import { createSafeOutput, guardStream, watchParent } from '@wabridge/process'
import { formatLogLine } from './log-format.ts'
import { entryNextTo } from './part-entry.ts'
import { stackParts, type PartSpec, type StackPorts } from './parts.ts'
import { resolveSecrets } from './secrets.ts'
import { notifierReceivers, printBanner } from './banner.ts'

export interface StackOptions {
  /** Variables of the stack and its parts. Default process.env. */
  env?: Record<string, string | undefined>
  /** Folder of the local broker's state when KAFKA_BROKERS is unset. Default LOCAL_KAFKA_STATE_DIR or .wabridge/kafka under cwd. */
  stateDir?: string
  /** Working directory of the parts. Default process.cwd(). */
  cwd?: string
  /** Where the prefixed log lines and the banner go. Default stdout, safely (a closed stdout never stops the stack). */
  write?: (text: string) => void
  /**
   * Stop on SIGINT, SIGTERM and SIGHUP, and when this process's parent exits (npm dies on SIGTERM
   * without passing it on). Default true; the caller owns the process, as `npm start` does.
   */
  handleSignals?: boolean
  /** How long a part may take to stop after SIGTERM before it is killed, ms. Default 20000. */
  stopGraceMs?: number
}

export interface Stack {
  readonly brokers: string
  readonly ports: StackPorts
  /** The PIDs of every process the stack started (parts, the broker's watchdog and JVMs). */
  pids (): Promise<number[]>
  /** Stops the parts (the simulator first, then media, conversations, campaigns, scheduler, notifier, webhooks, api, metrics, egress, ingress), then the local broker. Idempotent. */
  stop (reason?: string): Promise<void>
  /** Resolves with the exit code once the stack stopped: 0 when asked to stop, 1 when a part died. */
  readonly done: Promise<number>
}

interface Running { spec: PartSpec, child: ChildProcess, exited: Promise<number | null> }

/**
 * Starts the whole gateway on this machine and resolves once every part answers its readiness
 * probe: the local broker when KAFKA_BROKERS is unset (with a watchdog that stops it should this
 * process die), the topics, the Graph API simulator when GRAPH_API_BASE_URL is unset, then ingress,
 * egress, metrics, the edges (api, webhooks, notifier, scheduler, campaigns), then the conversations
 * service and the media worker, each its own process with its log lines prefixed. Throws (after stopping
 * what started) when a part fails to start or, with a real Graph API, a secret is missing.
 */
export async function startStack (options: StackOptions = {}): Promise<Stack> {
  const env = options.env ?? process.env
  const cwd = options.cwd ?? process.cwd()
  const host = '127.0.0.1'
  const write = options.write ?? defaultWrite()
  const say = (part: string, line: string) => write(`[${part.padEnd(8)}] ${line}\n`)
  const secrets = resolveSecrets(env)
  const port = (name: string, fallback: number) => Number(env[name] ?? fallback)
  const ports: StackPorts = {
    ingress: port('INGRESS_PORT', 8080),
    egress: port('EGRESS_PORT', 8081),
    metrics: port('METRICS_PORT', 8082),
    api: port('API_PORT', 8083),
    notifier: port('NOTIFIER_PORT', 8084),
    webhooks: port('WEBHOOKS_PORT', 8085),
    scheduler: port('SCHEDULER_PORT', 8086),
    campaigns: port('CAMPAIGNS_PORT', 8087),
    conversations: port('CONVERSATIONS_PORT', 8088),
    media: port('MEDIA_PORT', 8089),
    sim: port('SIM_PORT', 8090),
    prometheus: env.PROMETHEUS_PORT ?? '9464'
  }
  const running: Running[] = []
  let kafka: LocalKafka | undefined
  let watchdog: ChildProcess | undefined
  let isStopping = false
  let stopped: Promise<void> | undefined
  let resolveDone: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => { resolveDone = resolve })
  let exitCode = 0

  async function stop (reason = 'stop requested'): Promise<void> {
    if (stopped) return stopped
    isStopping = true
    stopped = (async () => {
      say('start', `${reason}: stopping`)
      // The simulator first (it sends webhooks to ingress), then every other part at once, Kafka
      // last: everything flushes to it. The parts talk to each other only through Kafka, so what one
      // writes while another is stopping waits there for the next start; one after the other, eleven
      // drains (each leaving its consumer groups) took over 30 s on a busy machine.
      const graceMs = options.stopGraceMs ?? 20_000
      for (const part of running.filter((p) => p.spec.name === 'sim')) await stopPart(part, graceMs)
      await Promise.all(running.filter((p) => p.spec.name !== 'sim').map((part) => stopPart(part, graceMs)))
      if (kafka) await kafka.stop()
      watchdog?.send({ standDown: true }, () => {})
      say('start', 'stopped')
      resolveDone(exitCode)
    })()
    return stopped
  }

  // Should this process die anyway, take the parts along ('exit' handlers run synchronously); the
  // parts and the watchdog also see their IPC channel close, which covers SIGKILL.
  const onExit = () => { for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL') }
  process.once('exit', onExit)
  void done.then(() => process.off('exit', onExit))
  if (options.handleSignals ?? true) {
    // `on`, not `once`: npm may forward the same Ctrl-C again, and a second, unhandled SIGINT would
    // kill this process before the parts are stopped.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => { void stop(signal) })
    const unwatch = watchParent((why) => { void stop(why) }, { pollPpidMs: 500 })
    void done.then(unwatch)
  }

  try {
    let brokers = env.KAFKA_BROKERS
    if (!brokers) {
      const stateDir = options.stateDir ?? resolve(cwd, env.LOCAL_KAFKA_STATE_DIR ?? '.wabridge/kafka')
      kafka = createLocalKafka({ stateDir, basePort: port('LOCAL_KAFKA_PORT', 9092), log: (line) => say('kafka', line) })
      watchdog = startWatchdog(stateDir, cwd, env)
      await kafka.start()
      brokers = kafka.brokers.join(',')
    }
    const prefix = env.TOPIC_PREFIX ?? 'wa'
    const admin = createKafkaClient({ brokers: brokers.split(','), clientId: 'wabridge-start' }).admin()
    await admin.connect()
    try {
      const topics = await ensureTopics(admin, { prefix, partitions: Number(env.KAFKA_TOPIC_PARTITIONS ?? 12), replicationFactor: Number(env.KAFKA_REPLICATION_FACTOR ?? 1) })
      say('topics', `${topics.created.length} created, ${topics.existing.length} already there (prefix ${prefix})`)
    } finally {
      await admin.disconnect()
    }
    const graphUrl = env.GRAPH_API_BASE_URL ?? `http://${host}:${ports.sim}`
    // The media worker's files, beside the local broker's state.
    const mediaStoreUrl = env.MEDIA_STORE_URL ?? pathToFileURL(resolve(cwd, '.wabridge/media')).href
    // Parts start one after the other, each once the one before is ready, but for those that start
    // with the previous one: they are launched at once and all awaited before the next.
    let starting: Array<Promise<void>> = []
    for (const spec of stackParts({ env, brokers, prefix, ports, secrets: secrets.env, graphUrl, host, mediaStoreUrl })) {
      if (!spec.withPrevious) {
        await Promise.all(starting)
        starting = []
      }
      if (isStopping) break
      const part = launch(spec, env, cwd, say)
      running.push(part)
      watchdog?.send({ pid: part.child.pid }, () => {})
      void part.exited.then((code) => {
        if (isStopping) return
        exitCode = 1
        say('start', `${spec.name} exited unexpectedly (code ${code}); see its log lines above`)
        void stop(`${spec.name} exited`)
      })
      starting.push(waitReady(part))
    }
    await Promise.all(starting)
    if (isStopping) throw new Error('stopped while starting')
    printBanner(write, { brokers, isLocalKafka: kafka !== undefined, host, ports, graphUrl, hasSim: !env.GRAPH_API_BASE_URL, devSecrets: secrets.dev, notifierReceivers: notifierReceivers(env), mediaStoreUrl })
    const stack: Stack = {
      brokers,
      ports,
      async pids () {
        const jvms = kafka ? (await kafka.status()).flatMap((n) => n.pid === undefined ? [] : [n.pid]) : []
        return [...running.flatMap((p) => p.child.pid === undefined ? [] : [p.child.pid]), ...watchdog?.pid === undefined ? [] : [watchdog.pid], ...jvms]
      },
      stop,
      done
    }
    return stack
  } catch (err) {
    exitCode = 1
    await stop(`start failed: ${(err as Error).message}`)
    throw err
  }
}

function defaultWrite (): (text: string) => void {
  guardStream(process.stderr)
  const output = createSafeOutput(process.stdout)
  return (text) => { output.write(text) }
}

function launch (spec: PartSpec, env: Record<string, string | undefined>, cwd: string, say: (part: string, line: string) => void): Running {
  // Own process group: a Ctrl-C in the terminal reaches only the stack, which then stops the parts
  // (each gets exactly one SIGTERM). The IPC channel is how a part notices the
  // stack is gone (even SIGKILLed): it then stops by itself (@wabridge/process watchParent).
  const child = spawn(process.execPath, [...spec.nodeFlags, ...spec.entry.args], {
    env: { ...env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], cwd, detached: true
  })
  child.on('error', (err) => say(spec.name, `could not start: ${err.message}`))
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => say(spec.name, formatLogLine(line)))
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { spec, child, exited }
}

function startWatchdog (stateDir: string, cwd: string, env: Record<string, string | undefined>): ChildProcess {
  const entry = entryNextTo(fileURLToPath(import.meta.url), 'kafka-watchdog')
  // Parts get SHUTDOWN_TIMEOUT_MS (default 10 s) to drain; the broker outlives them by that much.
  const maxWaitMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000) + 10_000
  const child = spawn(process.execPath, [...entry.args, stateDir, String(maxWaitMs)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], cwd, detached: true, env })
  // Its channel must not keep this process alive once the stack stopped.
  child.unref()
  child.channel?.unref()
  return child
}

/** Resolves once the part's readiness probe answers 2xx; rejects when it exits first or at the timeout, naming what the last probe saw. */
export async function waitReady (part: Pick<Running, 'spec' | 'child'>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  /** What the last probe saw: named in the error, so a part that never gets ready says why. */
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (part.child.exitCode !== null) throw new Error(`${part.spec.name} exited with code ${part.child.exitCode} while starting`)
    try {
      // Each probe on its own connection, bounded in time: a probe that hangs must not use up the wait.
      const response = await fetch(part.spec.readyUrl, { signal: AbortSignal.timeout(5000), headers: { connection: 'close' } })
      const body = await response.text()
      if (response.ok) return
      last = `${response.status} ${body.slice(0, 500)}`
    } catch (err) {
      last = (err as Error).cause instanceof Error ? `${(err as Error).message}: ${((err as Error).cause as Error).message}` : (err as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${part.spec.name} was not ready at ${part.spec.readyUrl} within ${timeoutMs / 1000} s (last probe: ${last})`)
}

async function stopPart (part: Running, graceMs: number): Promise<void> {
  const child = part.child
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await part.exited
  clearTimeout(timer)
}
