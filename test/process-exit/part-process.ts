import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** How a process ended. */
export interface ExitInfo { code: number | null, signal: NodeJS.Signals | null }

/** One service run as its own process from source, its output kept for failure messages. */
export interface PartProcess {
  readonly name: string
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>
  /** performance.now() when it exited. */
  readonly exitedAt: number | undefined
  /** Everything it wrote to stdout and stderr so far. */
  output (): string
  /** SIGKILL if it still runs. */
  kill (): void
}

/**
 * Starts `services/<name>/src/main.ts` as `node --conditions=source` (Node's type stripping), with `env` over
 * this process's environment (minus the test runner's). The child gets an IPC channel: should this
 * test die, even by SIGKILL, the service sees the channel close and stops (@wabridge/process).
 */
export function spawnService (name: string, env: Record<string, string>): PartProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  delete childEnv.NODE_TEST_CONTEXT
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', `services/${name}/src/main.ts`], {
    cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.on('error', () => {})
  let exitedAt: number | undefined
  const exited = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => { exitedAt = performance.now(); resolve({ code, signal }) }))
  return {
    name,
    exited,
    get exitedAt () { return exitedAt },
    output: () => output,
    kill () { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') }
  }
}

/** Polls `url` until it answers 200; fails early when the process exits first. */
export async function waitReady (part: PartProcess, url: string, timeoutMs: number): Promise<void> {
  let exit: ExitInfo | undefined
  void part.exited.then((e) => { exit = e })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (exit) throw new Error(`${part.name} exited (${JSON.stringify(exit)}) before it was ready:\n${part.output().slice(-3000)}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      await res.body?.cancel()
      if (res.status === 200) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${part.name} not ready within ${timeoutMs} ms:\n${part.output().slice(-3000)}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** The exit of `part`, or undefined if it still runs after `ms`. */
export async function exitWithin (part: PartProcess, ms: number): Promise<ExitInfo | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), ms) })
  try {
    return await Promise.race([part.exited, late])
  } finally {
    clearTimeout(timer)
  }
}
