import type { PartProcess, ProcessGroup, SpawnPartOptions } from './children.ts'
import { untilStopped } from './process-state.ts'
import { answersOk, pollUntil } from './wait.ts'

/**
 * A part the harness runs like a supervisor would (systemd, Kubernetes): when it exits on its own
 * it is started again, and the exit is reported. Kills and pauses made by the harness are not
 * reported as exits.
 */
export interface ManagedPart {
  readonly name: string
  /** The running process (undefined between a kill and the next start). */
  current (): PartProcess | undefined
  /**
   * Spawns the part and waits until `readyUrl` answers 2xx: 'ready', 'exited' (it ended first: on its
   * own, or killed by the harness) or 'timeout' (not ready within `readyTimeoutMs`).
   */
  start (): Promise<StartOutcome>
  /** True when the process runs and its readyUrl answers 2xx now. */
  isReady (): Promise<boolean>
  /** SIGKILL; resolves once the process is gone. Not restarted. */
  kill (): Promise<void>
  /** SIGSTOP; resolves once every thread of the process stopped. */
  pause (): Promise<void>
  resume (): void
  /** SIGTERM and wait; not restarted. */
  stop (): Promise<void>
  /** Exits nobody asked for (code or signal), with their times. */
  readonly unexpectedExits: Array<{ at: number, code: number | null, signal: NodeJS.Signals | null }>
}

export type StartOutcome = 'ready' | 'exited' | 'timeout'

export interface ManagedPartOptions {
  group: ProcessGroup
  spawn: SpawnPartOptions
  readyUrl: string
  readyTimeoutMs: number
  /** Restarts after exits nobody asked for, at most. Default 20. */
  maxRestarts?: number
  onEvent: (line: string) => void
}

export function createManagedPart (options: ManagedPartOptions): ManagedPart {
  const { group, onEvent } = options
  let proc: PartProcess | undefined
  let isStopped = false
  const unexpectedExits: ManagedPart['unexpectedExits'] = []

  async function start (): Promise<StartOutcome> {
    isStopped = false
    const p = group.spawn(options.spawn)
    proc = p
    void p.exited.then(({ code, signal }) => {
      if (proc !== p) return
      proc = undefined
      if (isStopped) return
      unexpectedExits.push({ at: Date.now(), code, signal })
      onEvent(`${options.spawn.name} (pid ${p.pid}) exited on its own: code ${code} signal ${signal}`)
      if (unexpectedExits.length <= (options.maxRestarts ?? 20)) {
        void start().then((outcome) => onEvent(`${options.spawn.name} restarted after its exit: ${outcome}`))
      }
    })
    const ok = await pollUntil(async () => !p.isRunning() || await answersOk(options.readyUrl), options.readyTimeoutMs, 100)
    return !p.isRunning() ? 'exited' : ok ? 'ready' : 'timeout'
  }

  /** The next start() (or nothing) follows a harness-made end: the exit handler must not restart. */
  async function end (how: (p: PartProcess) => Promise<unknown>): Promise<void> {
    const p = proc
    if (!p) return
    isStopped = true
    await how(p)
  }

  return {
    name: options.spawn.name,
    current: () => proc,
    start,
    isReady: async () => proc !== undefined && await answersOk(options.readyUrl),
    kill: () => end(async (p) => { p.signal('SIGKILL'); await p.exited }),
    async pause () {
      const p = proc
      p?.signal('SIGSTOP')
      if (p && !(await untilStopped(p.pid))) onEvent(`${options.spawn.name} (pid ${p.pid}) was not stopped 5 s after SIGSTOP`)
    },
    resume: () => proc?.signal('SIGCONT'),
    stop: () => end((p) => p.stop()),
    unexpectedExits
  }
}
