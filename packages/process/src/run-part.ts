import { createSafeOutput, guardStream, writeStderr, type SafeOutput } from './safe-output.ts'
import { watchParent } from './parent-watch.ts'

/** What the edge needs of a part's config (every part's schema has both, from @wabridge/config). */
export interface PartConfig {
  LOG_LEVEL: string
  /** How long stop() may drain, ms. */
  SHUTDOWN_TIMEOUT_MS: number
}

/** The slice of a pino logger the edge uses. */
export interface PartLogger {
  info (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

/** A part's app: the one lifecycle shape (`start` in dependency order, `stop` in reverse, idempotent). */
export interface PartApp {
  start (): Promise<void>
  /** Stops taking work and drains; `deadlineMs` is SHUTDOWN_TIMEOUT_MS. */
  stop (deadlineMs: number): Promise<void>
}

export interface PartContext<L> {
  logger: L
  /** For failures the app cannot recover from (a consumer that crashed for good): stop, exit 1. */
  onFatal: (err: Error) => void
}

export interface RunPartOptions<C extends PartConfig, L extends PartLogger> {
  /** Name in messages ("ingress"). */
  name: string
  /** Parses the environment; a throw is reported on one stderr line and exits 1. */
  loadConfig: () => C
  /** The root logger; `destination` must be used, it survives a closed stdout. */
  createLogger: (config: C, destination: SafeOutput) => L
  /** Starts telemetry before the app is created (its meter and instrumented modules need it). */
  startTelemetry?: (config: C) => Promise<unknown>
  /** Flushes and stops telemetry, last, so the shutdown itself is traced. */
  stopTelemetry?: () => Promise<unknown>
  createApp: (config: C, context: PartContext<L>) => PartApp | Promise<PartApp>
  /** Extra time after SHUTDOWN_TIMEOUT_MS for the telemetry flush before the edge gives up. Default 5000. */
  flushAllowanceMs?: number
}

type Reason = { signal: string } | { err: Error }

/**
 * The process edge of every part: config → logger → telemetry → app → start, then on SIGTERM or
 * SIGINT (or the parent's IPC channel closing) stop taking work, drain within SHUTDOWN_TIMEOUT_MS,
 * flush telemetry and exit 0. A failed start, a fatal app error or an uncaught exception or
 * rejection is logged and exits 1; a second signal exits at once. Never resolves.
 */
export async function runPart<C extends PartConfig, L extends PartLogger> (options: RunPartOptions<C, L>): Promise<never> {
  // First: a closed stdout or stderr must never become an uncaught exception.
  guardStream(process.stdout)
  guardStream(process.stderr)
  const output = createSafeOutput(process.stdout)
  let config: C
  try {
    config = options.loadConfig()
  } catch (err) {
    // One clear line naming every bad variable (never its value), no stack trace.
    writeStderr(`${options.name}: ${(err as Error).message}`)
    return exit(1, output)
  }
  const logger = options.createLogger(config, output)
  let app: PartApp | undefined
  let stopping: Promise<never> | undefined

  const shutdown = (reason: Reason): Promise<never> => {
    if (stopping) {
      if ('signal' in reason) {
        logger.error({ signal: reason.signal }, 'second signal, exiting now')
        void exit(1, output)
      } else {
        logger.error({ err: reason.err }, 'error while stopping')
        process.exitCode = 1
      }
      return stopping
    }
    stopping = stop(reason)
    return stopping
  }

  async function stop (reason: Reason): Promise<never> {
    const failed = 'err' in reason
    if (failed) logger.error({ err: reason.err }, `${options.name} failed, stopping`)
    else logger.info({ signal: reason.signal }, `${options.name} stopping`)
    const allowanceMs = options.flushAllowanceMs ?? 5000
    // The hard bound: a drain stuck past its deadline must not keep the process (and a rollout) waiting.
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS + allowanceMs }, 'shutdown timed out, exiting')
      void exit(1, output)
    }, config.SHUTDOWN_TIMEOUT_MS + allowanceMs)
    timer.unref()
    let code: number = failed ? 1 : 0
    try {
      await app?.stop(config.SHUTDOWN_TIMEOUT_MS)
    } catch (err) {
      logger.error({ err }, 'stop failed')
      code = 1
    }
    try {
      await options.stopTelemetry?.()
    } catch (err) {
      logger.error({ err }, 'telemetry flush failed')
    }
    if (code === 0 && process.exitCode === 1) code = 1
    logger.info({ exitCode: code }, 'exiting')
    return exit(code, output)
  }

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => { void shutdown({ signal }) })
  process.on('uncaughtException', (err) => { void shutdown({ err }) })
  process.on('unhandledRejection', (err) => { void shutdown({ err: toError(err) }) })
  watchParent((why) => { void shutdown({ signal: why }) })

  try {
    await options.startTelemetry?.(config)
    app = await options.createApp(config, { logger, onFatal: (err) => { void shutdown({ err }) } })
    if (stopping) return await stopping
    await app.start()
  } catch (err) {
    return shutdown({ err: toError(err) })
  }
  // Runs until a signal or a fatal error; shutdown() exits the process.
  return new Promise<never>(() => {})
}

function toError (value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/** Exits once the log lines queued for a slow reader are out (bounded: a stalled reader gets 1 s). */
async function exit (code: number, output: SafeOutput): Promise<never> {
  await output.flush(1000)
  process.exit(code)
}
