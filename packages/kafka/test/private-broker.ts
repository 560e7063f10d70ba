import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'

export interface PrivateBroker {
  brokers: string[]
  /** SIGSTOP: the JVM freezes with its sockets open (a long GC pause, a stalled VM). */
  pause(): Promise<void>
  /** SIGCONT after pause(). */
  resume(): Promise<void>
  stop(): Promise<void>
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
    async pause () { process.kill(await pid(), 'SIGSTOP'); isPaused = true },
    resume,
    async stop () {
      if (isPaused) await resume()
      await local.stop()
      await local.destroy()
    }
  }
}
