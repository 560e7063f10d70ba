import type { Logger } from '@wabridge/telemetry'
import { withTimeout } from '../with-timeout.ts'

export interface FlusherOptions {
  /** Time between the end of one flush and the start of the next, ms. */
  intervalMs: number
  /** Longest wait for one flush, ms; a slower one keeps running but no longer holds up ticks or stop(). */
  timeoutMs: number
}

export interface Flusher {
  start(): void
  /** Stops the timer, waits for a flush in progress, then flushes one last time (bounded). Idempotent. */
  stop(): Promise<void>
}

/**
 * Runs `flush` periodically, modelled on OpenTelemetry's PeriodicExportingMetricReader: each run
 * under a timeout, a final run on stop. Runs never overlap: the next is scheduled when one ends,
 * so an interval shorter than the timeout is fine (unlike with setInterval).
 */
export function createFlusher (options: FlusherOptions, deps: { flush: () => Promise<void>, logger: Logger }): Flusher {
  if (options.intervalMs <= 0 || options.timeoutMs <= 0) throw new RangeError('flusher interval and timeout must be positive')
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let started = false
  let stopped = false

  async function runOnce (): Promise<void> {
    const run = deps.flush().catch((err: unknown) => deps.logger.error({ err }, 'flush failed'))
    if (await withTimeout(run.then(() => true), options.timeoutMs) === undefined) {
      deps.logger.warn({ timeoutMs: options.timeoutMs }, 'flush timed out')
    }
  }

  function schedule (): void {
    if (stopped) return
    timer = setTimeout(() => {
      timer = undefined
      running = runOnce().finally(() => { running = undefined; schedule() })
    }, options.intervalMs)
  }

  return {
    start () {
      if (started || stopped) return
      started = true
      schedule()
    },
    async stop () {
      if (stopped) return
      stopped = true
      if (!started) return
      if (timer) clearTimeout(timer)
      await running
      await runOnce()
    }
  }
}
