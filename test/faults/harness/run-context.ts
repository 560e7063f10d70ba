import { randomUUID } from 'node:crypto'
import { copyFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel } from 'kafkajs'
import { ensureTopics, installRequestQueueFix, topicNames, type TopicNames } from '@wabridge/kafka'
import { startFaultBroker, type FaultBroker } from './broker.ts'
import { createProcessGroup } from './children.ts'
import { startRequestProducer, type RequestPlan, type RequestProducer } from './requests.ts'
import { startStack, type Stack } from './stack.ts'
import { startEventIdReader, startResultsReader, type EventIdReader, type ResultsReader } from './topic-readers.ts'
import { waitUntil } from './wait.ts'

/** How many brokers the node at `address` lists in its metadata (0 when it does not answer). */
async function knownBrokers (address: string): Promise<number> {
  const admin = new Kafka({ clientId: 'faults-harness', brokers: [address], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin()
  try {
    await admin.connect()
    return (await admin.describeCluster()).brokers.length
  } catch {
    return 0
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

export interface RunOptions {
  /** Names the run's folder. */
  name: string
  /** Kafka nodes (each broker and controller). Default 1; with 3, topics get 3 replicas and min.insync.replicas 2. */
  brokerNodes?: number
  partitions: number
  /** Throughput per number at the sim and in egress, msg/s. */
  mps: number
  egressInstances: number
  sessionTimeoutMs: number
  egressEnv?: Record<string, string>
  log: (line: string) => void
}

/** A running product with its broker, and the readers of what it wrote. */
export interface RunContext {
  /** The run's folder: part logs, and each broker node's kafka-node-<id>.log at close (its state is deleted). */
  readonly dir: string
  readonly broker: FaultBroker
  readonly kafka: Kafka
  /** TOPIC_PREFIX of the run, unique. */
  readonly prefix: string
  readonly topics: TopicNames
  readonly stack: Stack
  readonly results: ResultsReader
  /** event-id headers of the statuses and messages topics. */
  readonly inboundEvents: EventIdReader
  /** Harness notes with times: exits nobody asked for, timeouts, reader crashes. */
  readonly notes: string[]
  note (line: string): void
  log (line: string): void
  /** Starts producing the plan's requests; the producer is stopped at close. */
  produce (plan: RequestPlan): RequestProducer
  /** Stops producer, readers, every process and the broker. Idempotent. */
  close (): Promise<void>
}

/**
 * Starts a private broker (or cluster), the simulator, the ingress behind the webhook recorder and
 * the egress instances, and waits until every instance owns partitions (so a run starts without a
 * rebalance). SIGINT/SIGTERM during the run stop everything before the harness exits.
 */
export async function openRun (options: RunOptions): Promise<RunContext> {
  const dir = await mkdtemp(join(tmpdir(), `wabridge-faults-${options.name}-`))
  const notes: string[] = []
  const note = (line: string) => { notes.push(`${new Date().toISOString()} ${line}`); options.log(line) }
  options.log(`run folder (logs): ${dir}`)
  const group = createProcessGroup(dir)
  const running: { broker?: FaultBroker, stack?: Stack, producers: RequestProducer[], readers: Array<ResultsReader | EventIdReader> } = { producers: [], readers: [] }
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= (async () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await Promise.all(running.producers.map((p) => p.stop()))
      await Promise.all(running.readers.map((r) => r.stop().catch(() => {})))
      await running.stack?.stop()
      const broker = running.broker
      // The broker's state goes, its log stays beside the parts' logs: transaction coordinator and group events, for a failed run.
      for (let n = 1; n <= (broker?.nodes ?? 0); n++) await copyFile(join(broker!.nodeDir(n), 'kafka.log'), join(dir, `kafka-node-${n}.log`)).catch(() => {})
      await broker?.destroy()
    })()
    return closing
  }
  function onSignal (signal: NodeJS.Signals) {
    options.log(`${signal}: stopping every process of the run; logs in ${dir}`)
    void close().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const nodes = options.brokerNodes ?? 1
    const broker = running.broker = await startFaultBroker({ dir, group, nodes, log: (line) => options.log(`kafka: ${line}`) })
    const replicationFactor = nodes >= 3 ? 3 : 1
    const prefix = `faults-${randomUUID().slice(0, 8)}`
    const topics = topicNames(prefix)
    installRequestQueueFix()
    // The harness's own client outlasts every fault it injects: a broker restart takes 15–30 s here,
    // longer than kafkajs' default retries (about 10 s), after which a produce or a fetch gives up.
    const kafka = new Kafka({
      clientId: 'faults-harness', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 100, initialRetryTime: 200, maxRetryTime: 2000 }
    })
    const admin = kafka.admin()
    // A node answers before the others registered, and each answers from its own metadata cache:
    // topics with 3 replicas are created once every node knows all three.
    await waitUntil(async () => (await Promise.all(broker.brokers.map((b) => knownBrokers(b)))).every((n) => n >= nodes), 60_000, `every Kafka node to know all ${nodes}`)
    await admin.connect()
    try {
      await ensureTopics(admin, {
        prefix, partitions: options.partitions, replicationFactor, only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundStatuses', 'inboundMessages']
      })
    } finally {
      await admin.disconnect()
    }
    const stack = running.stack = await startStack({
      group,
      brokers: broker.brokers,
      prefix,
      partitions: options.partitions,
      replicationFactor,
      mps: options.mps,
      egressInstances: options.egressInstances,
      sessionTimeoutMs: options.sessionTimeoutMs,
      egressEnv: options.egressEnv,
      readyTimeoutMs: 90_000,
      logDir: dir,
      onEvent: note
    })
    const instances = [...stack.egress.values()]
    await waitUntil(async () => (await Promise.all(instances.map((p) => p.isReady()))).every(Boolean),
      60_000, `every egress instance ready at once (${instances.map((p) => p.name).join(', ')})`)
    const results = await startResultsReader(kafka, topics.outboundResults, note)
    running.readers.push(results)
    const inboundEvents = await startEventIdReader(kafka, [topics.inboundStatuses, topics.inboundMessages], note)
    running.readers.push(inboundEvents)
    return {
      dir,
      broker,
      kafka,
      prefix,
      topics,
      stack,
      results,
      inboundEvents,
      notes,
      note,
      log: options.log,
      produce (plan) {
        const producer = startRequestProducer(kafka, topics.outboundRequests, plan)
        running.producers.push(producer)
        return producer
      },
      close
    }
  } catch (err) {
    await close()
    throw err
  }
}
