import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'

export interface PrivateBroker {
  brokers: string[]
  /** SIGSTOP: the JVM freezes with its sockets open (a long GC pause, a stalled VM). Resolves once every thread is stopped. */
  pause(): Promise<void>
  /** SIGCONT after pause(). */
  resume(): Promise<void>
  stop(): Promise<void>
}

/**
 * Waits until every thread of `pid` is stopped: SIGSTOP is delivered asynchronously, and on a busy
 * machine a JVM thread can still answer a request sent right after kill() returned.
 */
async function untilStopped (pid: number): Promise<void> {
  const state = async (task: string) => {
    try {
      // Field 3 of /proc/<pid>/task/<tid>/stat, after the command name in parentheses.
      return (await readFile(`/proc/${pid}/task/${task}/stat`, 'utf8')).replace(/^.*\) /s, '')[0]
    } catch {
      return 'T' // the thread ended
    }
  }
  for (;;) {
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined)
    // Without /proc (not Linux) there is nothing to watch: give the signal a moment instead.
    if (!tasks) return await new Promise((resolve) => setTimeout(resolve, 200))
    const states = await Promise.all(tasks.map(state))
    if (states.every((s) => s === 'T' || s === 't')) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * A one-node broker of its own on free ports: stalling the shared broker would disturb tests
 * running in parallel. stop() resumes it first (a stopped JVM takes SIGTERM only once continued).
 */
export async function startPrivateBroker (name: string): Promise<PrivateBroker> {
  const local = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), `wabridge-${name}-`)), basePort: await findFreePorts(2) })
  await local.start()
  const pid = async () => {
    const [node] = await local.status()
    if (node?.pid === undefined) throw new Error('the private broker is not running')
    return node.pid
  }
  let isPaused = false
  const resume = async () => { process.kill(await pid(), 'SIGCONT'); isPaused = false }
  return {
    brokers: local.brokers,
    async pause () {
      const p = await pid()
      process.kill(p, 'SIGSTOP')
      isPaused = true
      await untilStopped(p)
    },
    resume,
    async stop () {
      if (isPaused) await resume()
      await local.stop()
      await local.destroy()
    }
  }
}
