import { join } from 'node:path'
import { createLocalKafka, findFreePorts, type LocalKafka } from '@wabridge/local-kafka'
import type { ProcessGroup } from './children.ts'
import { untilStopped } from './process-state.ts'

/** A private KRaft cluster on loopback whose nodes the harness can stall, kill and restart. */
export interface FaultBroker {
  /** `host:port` of every node. */
  readonly brokers: string[]
  readonly nodes: number
  /** The folder of node `nodeId` (its kafka.log is there). */
  nodeDir (nodeId: number): string
  pid (nodeId: number): Promise<number>
  /** SIGSTOP: the JVM freezes with its sockets open, as in a long GC pause or a VM stall. Resolves once every thread stopped. */
  pause (nodeId: number): Promise<void>
  /** SIGCONT after pause. */
  resume (nodeId: number): Promise<void>
  /** Graceful stop (SIGTERM), then start on the same ports and state; resolves once it answers again. */
  restart (nodeId: number): Promise<void>
  /** SIGKILL, without starting it again. */
  kill (nodeId: number): Promise<void>
  /** Starts a node that was killed; resolves once it answers. */
  start (nodeId: number): Promise<void>
  /** Stops every node and deletes the state. */
  destroy (): Promise<void>
}

export interface FaultBrokerOptions {
  /** Folder for the cluster's state (created). */
  dir: string
  nodes?: number
  heapMb?: number
  group: ProcessGroup
  log?: (line: string) => void
}

/** Starts the cluster on free ports; its JVMs are killed with the rest of the run's processes. */
export async function startFaultBroker (options: FaultBrokerOptions): Promise<FaultBroker> {
  const nodes = options.nodes ?? 1
  const stateDir = join(options.dir, 'kafka')
  const kafka: LocalKafka = createLocalKafka({
    stateDir,
    nodes,
    basePort: await findFreePorts(2 * nodes),
    heapMb: options.heapMb ?? (nodes > 1 ? 384 : 512),
    // A stopped node is given this long to exit before SIGKILL (the harness's own restarts).
    stopGraceMs: 15_000,
    log: options.log ?? (() => {})
  })
  const paused = new Set<number>()
  const tracked = new Map<number, number>()

  async function pid (nodeId: number): Promise<number> {
    const status = (await kafka.status()).find((n) => n.nodeId === nodeId)
    if (status?.pid === undefined || !status.running) throw new Error(`Kafka node ${nodeId} is not running`)
    return status.pid
  }

  /** Keeps the exit hook's pid list in step with the JVMs (a restarted node has a new pid). */
  async function track (): Promise<void> {
    for (const n of await kafka.status()) {
      const old = tracked.get(n.nodeId)
      if (old !== undefined && old !== n.pid) options.group.untrack(old)
      if (n.pid !== undefined && n.running) {
        tracked.set(n.nodeId, n.pid)
        options.group.track(n.pid)
      }
    }
  }

  try {
    await kafka.start()
  } finally {
    await track()
  }

  async function resume (nodeId: number): Promise<void> {
    process.kill(await pid(nodeId), 'SIGCONT')
    paused.delete(nodeId)
  }

  return {
    brokers: kafka.brokers,
    nodes,
    nodeDir: (nodeId) => join(stateDir, `node-${nodeId}`),
    pid,
    async pause (nodeId) {
      const p = await pid(nodeId)
      process.kill(p, 'SIGSTOP')
      paused.add(nodeId)
      if (!(await untilStopped(p))) throw new Error(`Kafka node ${nodeId} (pid ${p}) was not stopped 5 s after SIGSTOP`)
    },
    resume,
    async restart (nodeId) {
      if (paused.has(nodeId)) await resume(nodeId)
      await kafka.stopNode(nodeId)
      await kafka.startNode(nodeId)
      await track()
    },
    async kill (nodeId) {
      paused.delete(nodeId)
      await kafka.killNode(nodeId)
      await track()
    },
    async start (nodeId) {
      await kafka.startNode(nodeId)
      await track()
    },
    async destroy () {
      // A stopped JVM would take SIGTERM only after SIGCONT: resume first so that it exits quickly.
      for (const nodeId of paused) await resume(nodeId).catch(() => {})
      await kafka.stop()
      for (const p of tracked.values()) options.group.untrack(p)
      await kafka.destroy()
    }
  }
}
