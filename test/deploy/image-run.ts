/**
 * One part of wabridge started inside the image with `buildah run` on the host's network, probed over
 * HTTP and stopped with SIGTERM the way a container runtime stops it.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { buildah, buildahEnv } from './image-buildah.ts'

export interface RunningPart {
  /** Everything the part wrote to stdout and stderr so far. */
  output: () => string
  /** The exit code of the part (buildah run exits with its command's code), null when killed. */
  exited: Promise<number | null>
  /** SIGTERM to the part's process, then its exit code; SIGKILL and null when it outlives `graceMs`. */
  stop: (graceMs?: number) => Promise<number | null>
}

/** Parent pid and program (argv[0]) of every process; /proc/<pid>/stat reads `pid (comm) state ppid …`. */
async function processTable (): Promise<Array<{ pid: number, ppid: number, program: string }>> {
  const table: Array<{ pid: number, ppid: number, program: string }> = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      // Not comm: Node 24 names its main thread "MainThread", and buildah's helpers run from a memfd.
      const program = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0')[0] ?? ''
      table.push({ pid: Number(entry), ppid, program })
    } catch {
      // The process ended while we read.
    }
  }
  return table
}

/** Every process under `root`, nearest first. */
async function descendants (root: number): Promise<Array<{ pid: number, program: string }>> {
  const table = await processTable()
  const found: Array<{ pid: number, program: string }> = []
  let level = [root]
  while (level.length > 0) {
    const children = table.filter((p) => level.includes(p.ppid))
    found.push(...children)
    level = children.map((p) => p.pid)
  }
  return found
}

/**
 * The outermost `node` process under `root`. buildah 1.28's chroot isolation does not forward signals
 * (SIGTERM to `buildah run` kills its command outright), so the test signals the part's own process,
 * as a runtime signals a container's first process.
 */
async function findNodeUnder (root: number): Promise<number | undefined> {
  return (await descendants(root)).find((p) => basename(p.program) === 'node')?.pid
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts `argv` in a fresh container of `image` with `env`; the container is removed when the part exits. */
export async function startPart (image: string, argv: string[], env: Record<string, string>): Promise<RunningPart> {
  const container = (await buildah(['from', '--pull=never', '--name', `wabridge-test-${randomUUID().slice(0, 8)}`, image])).trim()
  const envFlags = Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`])
  const child = spawn('buildah', ['run', '--network', 'host', ...envFlags, container, '--', ...argv], { env: buildahEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    .finally(() => buildah(['rm', container]).catch(() => {}))

  const stop = async (graceMs = 30_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return await exited
    let pid: number | undefined
    for (let i = 0; i < 100 && pid === undefined && child.exitCode === null; i++) {
      pid = await findNodeUnder(child.pid!)
      if (pid === undefined) await sleep(100)
    }
    // SIGKILL to buildah alone would orphan its helpers and the part: kill the whole tree.
    const killAll = async (): Promise<void> => {
      for (const p of await descendants(child.pid!)) try { process.kill(p.pid, 'SIGKILL') } catch {}
      child.kill('SIGKILL')
    }
    if (pid === undefined) {
      await killAll()
      await exited
      return null
    }
    process.kill(pid, 'SIGTERM')
    const timer = setTimeout(() => { void killAll() }, graceMs)
    const code = await exited
    clearTimeout(timer)
    return code
  }
  return { output: () => output, exited, stop }
}

/** Polls `url` until it answers 200; fails early with the part's output when the part exits first. */
export async function waitUntilOk (url: string, part: RunningPart, timeoutMs: number): Promise<void> {
  let hasExited = false
  void part.exited.then(() => { hasExited = true })
  const deadline = Date.now() + timeoutMs
  let last = 'no answer'
  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`exited before ${url} answered 200:\n${part.output().slice(-3000)}`)
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (res.status === 200) return
      last = `HTTP ${res.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(250)
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}):\n${part.output().slice(-3000)}`)
}
