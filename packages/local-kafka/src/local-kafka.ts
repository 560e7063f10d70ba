import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, openSync, closeSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { installRequestQueueFix } from '@wabridge/kafka'
import { ensureKafkaRuntime, resolveKafkaVersion, type KafkaRuntime } from './runtime.ts'
import { toServerProperties, type NodeLayout } from './properties.ts'
import { findProcesses, isAlive, terminate } from './process-table.ts'

const run = promisify(execFile)

export interface LocalKafkaOptions {
  /** Folder for data, logs and pid files. Reusing it keeps topics across restarts. */
  stateDir: string
  /** Number of KRaft nodes (each broker + controller). Default 1. */
  nodes?: number
  /** Listen address. Default 127.0.0.1. */
  host?: string
  /** Broker port of node 1; node i listens on basePort + 2(i-1), its controller one above. Default 9092. */
  basePort?: number
  /** Kafka version; default from deploy/kafka/pom.xml or KAFKA_VERSION. */
  kafkaVersion?: string
  /** JVM heap per node in MiB. Default 512. */
  heapMb?: number
  /** How long start() waits for every node to answer metadata requests. Default 90000. */
  readyTimeoutMs?: number
  /** How long stop() waits after SIGTERM before SIGKILL. Default 20000. */
  stopGraceMs?: number
  /** Progress lines (fetching jars, formatting, ready). */
  log?: (line: string) => void
}

export interface NodeStatus {
  nodeId: number
  address: string
  pid: number | undefined
  running: boolean
}

export interface LocalKafka {
  /** `host:port` of every broker, for KAFKA_BROKERS. */
  readonly brokers: string[]
  /** Starts every node that is not running and waits until the cluster answers metadata requests. */
  start(): Promise<void>
  /** Stops every node (SIGTERM, then SIGKILL after the grace period) and any stray JVM of this state dir. */
  stop(): Promise<void>
  /** Stops one node gracefully (for failover tests). */
  stopNode(nodeId: number): Promise<void>
  /** Kills one node with SIGKILL. */
  killNode(nodeId: number): Promise<void>
  /** Starts one node again and waits until it is back in the cluster. */
  startNode(nodeId: number): Promise<void>
  status(): Promise<NodeStatus[]>
  /** Deletes the state dir (after stop). */
  destroy(): Promise<void>
}

/** A marker on each JVM's command line, so stop() can find every process of this state dir. */
const markerFor = (stateDir: string) => `-Dwabridge.kafka.state=${stateDir}`

export function createLocalKafka (options: LocalKafkaOptions): LocalKafka {
  const stateDir = resolve(options.stateDir)
  const host = options.host ?? '127.0.0.1'
  const nodeCount = options.nodes ?? 1
  const basePort = options.basePort ?? 9092
  const log = options.log ?? (() => {})
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000
  const stopGraceMs = options.stopGraceMs ?? 20_000
  const layouts: NodeLayout[] = Array.from({ length: nodeCount }, (_, i) => ({
    nodeId: i + 1,
    host,
    brokerPort: basePort + 2 * i,
    controllerPort: basePort + 2 * i + 1,
    dataDir: join(stateDir, `node-${i + 1}`, 'data')
  }))
  const brokers = layouts.map((n) => `${host}:${n.brokerPort}`)
  const nodeDir = (id: number) => join(stateDir, `node-${id}`)
  const pidFile = (id: number) => join(nodeDir(id), 'pid')
  let runtime: KafkaRuntime | undefined

  function layout (nodeId: number): NodeLayout {
    const node = layouts.find((n) => n.nodeId === nodeId)
    if (!node) throw new Error(`no node ${nodeId}: this cluster has nodes 1..${nodeCount}`)
    return node
  }

  async function readPid (nodeId: number): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(pidFile(nodeId), 'utf8')).trim())
      return Number.isInteger(pid) && pid > 0 ? pid : undefined
    } catch {
      return undefined
    }
  }

  async function getRuntime (): Promise<KafkaRuntime> {
    runtime ??= await ensureKafkaRuntime(options.kafkaVersion ?? await resolveKafkaVersion(), log)
    return runtime
  }

  /**
   * The cluster id is kept in the state dir so every node and every restart share it. Nodes are
   * formatted concurrently: one promise, or two of them could each write an id of their own (and
   * their quorum then answers INCONSISTENT_CLUSTER_ID).
   */
  let clusterIdOnce: Promise<string> | undefined
  async function clusterId (): Promise<string> {
    clusterIdOnce ??= readOrCreateClusterId()
    return await clusterIdOnce
  }

  async function readOrCreateClusterId (): Promise<string> {
    const file = join(stateDir, 'cluster.id')
    if (existsSync(file)) return (await readFile(file, 'utf8')).trim()
    let id: string
    // Kafka rejects ids starting with '-' (read as an option) and the reserved all-zero id.
    do id = randomBytes(16).toString('base64url'); while (id.startsWith('-') || /^A{21}[AQgw]$/.test(id))
    await writeFile(file, id + '\n')
    return id
  }

  async function launch (node: NodeLayout): Promise<void> {
    const pid = await readPid(node.nodeId)
    if (pid !== undefined && isAlive(pid)) return
    const rt = await getRuntime()
    await mkdir(node.dataDir, { recursive: true })
    const propsFile = join(nodeDir(node.nodeId), 'server.properties')
    await writeFile(propsFile, toServerProperties(node, layouts))
    const jvmCommon = [...rt.loggingArgs, '-cp', rt.classPath]
    if (!existsSync(join(node.dataDir, 'meta.properties'))) {
      log(`formatting KRaft storage for node ${node.nodeId}`)
      await run('java', ['-Xmx256m', ...jvmCommon, 'kafka.tools.StorageTool', 'format', '-g', '-t', await clusterId(), '-c', propsFile])
    }
    const out = openSync(join(nodeDir(node.nodeId), 'kafka.log'), 'a')
    const heap = options.heapMb ?? 512
    const child = spawn('java', [
      `-Xms${Math.min(256, heap)}m`, `-Xmx${heap}m`, '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true', `-Dkafka.logs.dir=${nodeDir(node.nodeId)}`, markerFor(stateDir),
      ...jvmCommon, 'kafka.Kafka', propsFile
    ], { detached: true, stdio: ['ignore', out, out] })
    closeSync(out)
    child.unref()
    if (child.pid === undefined) throw new Error(`could not start java for node ${node.nodeId}`)
    await writeFile(pidFile(node.nodeId), `${child.pid}\n`)
  }

  /** True when the node's own listener answers a metadata request that lists every node in `expected`. */
  async function answers (node: NodeLayout, expected: number[]): Promise<boolean> {
    installRequestQueueFix()
    const kafka = new Kafka({
      clientId: 'wabridge-local-kafka',
      brokers: [`${host}:${node.brokerPort}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1000
    })
    const admin = kafka.admin()
    try {
      await admin.connect()
      const cluster = await admin.describeCluster()
      return cluster.controller !== null && expected.every((id) => cluster.brokers.some((b) => b.nodeId === id))
    } catch {
      return false
    } finally {
      await admin.disconnect().catch(() => {})
    }
  }

  /**
   * Polls until every given node answers with a metadata view listing all of `nodes`, or fails early
   * with the log of a node that exited. Waiting for the full view matters on a multi-node cluster: a
   * node that already answers may not yet know of its peers, and a client that bootstraps from it
   * would see a smaller cluster (and, say, create topics with fewer replicas).
   */
  async function waitReady (nodes: NodeLayout[]): Promise<void> {
    const expected = nodes.map((n) => n.nodeId)
    const deadline = Date.now() + readyTimeoutMs
    let pending = nodes
    while (Date.now() < deadline) {
      for (const n of pending) {
        const pid = await readPid(n.nodeId)
        if (pid === undefined || !isAlive(pid)) {
          const log = join(nodeDir(n.nodeId), 'kafka.log')
          // The log's end says why (a port taken, a bad setting); a test's state dir is gone by the time anyone looks.
          const lines = (await readFile(log, 'utf8').catch(() => '')).trimEnd().split('\n')
          const tail = [...lines.filter((l) => / (ERROR|FATAL) /.test(l)).slice(-10), ...lines.slice(-3)].join('\n')
          throw new Error(`Kafka node ${n.nodeId} exited during start; see ${log}${tail ? `; it ends with:\n${tail}` : ''}`)
        }
      }
      const ready = await Promise.all(pending.map(async (n) => await answers(n, expected)))
      pending = pending.filter((_, i) => !ready[i])
      if (pending.length === 0) return
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    throw new Error(`Kafka node ${pending.map((n) => n.nodeId).join(', ')} did not answer within ${readyTimeoutMs} ms; see ${join(nodeDir(pending[0]!.nodeId), 'kafka.log')}`)
  }

  return {
    brokers,
    async start () {
      const startedAt = Date.now()
      await mkdir(stateDir, { recursive: true })
      const layoutFile = join(stateDir, 'layout.json')
      const wanted = JSON.stringify({ nodes: nodeCount, host, basePort })
      if (existsSync(layoutFile) && (await readFile(layoutFile, 'utf8')).trim() !== wanted) {
        throw new Error(`${stateDir} holds a cluster laid out as ${(await readFile(layoutFile, 'utf8')).trim()}, not ${wanted}: ` +
          'stop it and delete that folder, or use another state dir')
      }
      await writeFile(layoutFile, JSON.stringify({ nodes: nodeCount, host, basePort }) + '\n')
      await Promise.all(layouts.map(launch))
      await waitReady(layouts)
      log(`Kafka ready on ${brokers.join(',')} in ${Date.now() - startedAt} ms`)
    },
    async stop () {
      await Promise.all(layouts.map(async (n) => {
        const pid = await readPid(n.nodeId)
        if (pid !== undefined) await terminate(pid, stopGraceMs)
        await rm(pidFile(n.nodeId), { force: true })
      }))
      // Anything of ours that lost its pid file (a crashed launcher, a deleted state dir).
      for (const pid of await findProcesses(markerFor(stateDir))) await terminate(pid, stopGraceMs)
    },
    async stopNode (nodeId) {
      layout(nodeId)
      const pid = await readPid(nodeId)
      if (pid !== undefined) await terminate(pid, stopGraceMs)
      await rm(pidFile(nodeId), { force: true })
    },
    async killNode (nodeId) {
      layout(nodeId)
      const pid = await readPid(nodeId)
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, 'SIGKILL')
        while (isAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await rm(pidFile(nodeId), { force: true })
    },
    async startNode (nodeId) {
      const node = layout(nodeId)
      await launch(node)
      await waitReady([node])
    },
    async status () {
      return Promise.all(layouts.map(async (n) => {
        const pid = await readPid(n.nodeId)
        return { nodeId: n.nodeId, address: `${host}:${n.brokerPort}`, pid, running: pid !== undefined && isAlive(pid) }
      }))
    },
    async destroy () {
      await rm(stateDir, { recursive: true, force: true })
    }
  }
}

/**
 * The local Kafka of an existing state dir, with the layout it was started with (so `stop` and
 * `status` from another process see every node); `fallback` applies when it never started.
 */
export async function openLocalKafka (options: LocalKafkaOptions): Promise<LocalKafka> {
  try {
    const saved = JSON.parse(await readFile(join(resolve(options.stateDir), 'layout.json'), 'utf8')) as Partial<LocalKafkaOptions>
    return createLocalKafka({ ...options, nodes: saved.nodes, host: saved.host, basePort: saved.basePort })
  } catch {
    return createLocalKafka(options)
  }
}
