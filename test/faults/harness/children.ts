import { spawn } from 'node:child_process'
import { appendFileSync, closeSync, openSync } from 'node:fs'
import { join } from 'node:path'

/** How a child process ended. */
export interface ExitInfo { code: number | null, signal: NodeJS.Signals | null }

/** One spawned part of the product (sim, ingress, an egress instance). */
export interface PartProcess {
  readonly name: string
  readonly pid: number
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>
  isRunning (): boolean
  /** Sends a signal if the process still runs (SIGKILL, SIGSTOP, SIGCONT…). */
  signal (signal: NodeJS.Signals): void
  /** SIGTERM (after SIGCONT, in case it is stopped), SIGKILL after `graceMs`; resolves on exit. */
  stop (graceMs?: number): Promise<ExitInfo>
}

export interface SpawnPartOptions {
  /** Label and log file name (`<logDir>/<name>.log`; a restart appends to the same file). */
  name: string
  /** Arguments after the node executable: flags, then the script. */
  args: string[]
  env: Record<string, string | undefined>
  cwd: string
}

/** The processes of one run: every one is killed at the end, and when the harness itself exits. */
export interface ProcessGroup {
  spawn (options: SpawnPartOptions): PartProcess
  /** Also kill this pid when the harness exits (the broker's JVMs). */
  track (pid: number): void
  untrack (pid: number): void
  /** Stops every part still running, in parallel. */
  stopAll (graceMs?: number): Promise<void>
}

const live = new Set<number>()
let exitHookInstalled = false

/** 'exit' handlers run synchronously: a crashed or interrupted run still leaves no process behind. */
function installExitHook (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const pid of live) {
      try { process.kill(pid, 'SIGKILL') } catch {}
    }
  })
}

/**
 * Spawns parts with the runner's own node (Node 24), their stdout and stderr to log files under
 * `logDir`. Each child gets an IPC channel: the parts end themselves when it closes (the harness
 * died, even by SIGKILL), see @wabridge/process watchParent.
 */
export function createProcessGroup (logDir: string): ProcessGroup {
  installExitHook()
  const parts = new Set<PartProcess>()

  function spawnPart (options: SpawnPartOptions): PartProcess {
    const logFile = join(logDir, `${options.name}.log`)
    appendFileSync(logFile, `\n=== ${new Date().toISOString()} start ${options.name}\n`)
    const out = openSync(logFile, 'a')
    const child = spawn(process.execPath, options.args, { cwd: options.cwd, env: options.env, stdio: ['ignore', out, out, 'ipc'] })
    closeSync(out)
    if (child.pid === undefined) throw new Error(`could not spawn ${options.name}; see ${logFile}`)
    const pid = child.pid
    live.add(pid)
    let running = true
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        running = false
        live.delete(pid)
        parts.delete(part)
        appendFileSync(logFile, `=== ${new Date().toISOString()} ${options.name} (pid ${pid}) exited: code ${code} signal ${signal}\n`)
        resolve({ code, signal })
      })
    })
    // The harness never sends messages; the channel exists only so that its closing ends the part.
    child.on('error', () => {})
    const part: PartProcess = {
      name: options.name,
      pid,
      exited,
      isRunning: () => running,
      signal (signal) {
        if (running) try { process.kill(pid, signal) } catch {}
      },
      async stop (graceMs = 15_000) {
        part.signal('SIGCONT')
        part.signal('SIGTERM')
        const timer = setTimeout(() => part.signal('SIGKILL'), graceMs)
        const info = await exited
        clearTimeout(timer)
        return info
      }
    }
    parts.add(part)
    return part
  }

  return {
    spawn: spawnPart,
    track: (pid) => { live.add(pid) },
    untrack: (pid) => { live.delete(pid) },
    async stopAll (graceMs) {
      await Promise.all([...parts].map((p) => p.stop(graceMs)))
    }
  }
}
