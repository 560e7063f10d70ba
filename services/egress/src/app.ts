import { randomUUID } from 'node:crypto'
import { createGraphApiClient, type GraphApiClient } from '@wabridge/graph-api'
import { createConsumer, createKafkaClient, createProducer, ensureTopics, topicNames } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { EgressConfig } from './config.ts'
import { createDispatcher } from './dispatcher.ts'
import { createEgressMetrics } from './egress-metrics.ts'
import { buildHealthServer, readinessChecks } from './health.ts'
import { Ledger } from './ledger.ts'
import { createLedgerReader } from './ledger-reader.ts'
import { createOutputs } from './outputs.ts'
import { createTokenLookup } from './tokens.ts'
import { createInboundObserver } from './inbound-observer.ts'

export interface EgressDeps {
  logger: Logger
  clock?: () => number
  graphClient?: GraphApiClient
  /** Identifies this instance in attempt markers. */
  instanceId?: string
  /** Called when the consumer crashed beyond kafkajs' own restarts; main.ts shuts the process down. */
  onFatal?: (err: Error) => void
}

/** The attempts topic: egress's internal record of sends that may have left, co-partitioned with requests. */
export const attemptsTopic = (prefix: string) => `${prefix}.egress.attempts`

export function createEgress (config: EgressConfig, deps: EgressDeps) {
  const logger = deps.logger
  const clock = deps.clock ?? Date.now
  const instance = deps.instanceId ?? `egress-${randomUUID().slice(0, 8)}`
  const topics = topicNames(config.TOPIC_PREFIX)
  const kafka = createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-egress', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const producer = createProducer(kafka)
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const client = deps.graphClient ?? createGraphApiClient({
    baseUrl: config.GRAPH_API_BASE_URL, apiVersion: config.GRAPH_API_VERSION, connections: config.GRAPH_CONNECTIONS, headersTimeoutMs: config.GRAPH_TIMEOUT_MS
  })
  const ledger = new Ledger(clock)
  const ledgerReader = createLedgerReader(kafka, admin, ledger, {
    resultsTopic: topics.outboundResults,
    attemptsTopic: attemptsTopic(config.TOPIC_PREFIX),
    groupId: config.EGRESS_GROUP_ID,
    requestsTopic: topics.outboundRequests,
    lookbackMs: config.EGRESS_LEDGER_LOOKBACK_MS,
    instance,
    tailMs: config.EGRESS_LEDGER_TAIL_MS,
    maxTailMs: config.GRAPH_TIMEOUT_MS + 10_000,
    logger
  })
  const outputs = createOutputs(producer, codec, ledger, { results: topics.outboundResults, dlq: topics.outboundDlq, attempts: attemptsTopic(config.TOPIC_PREFIX) }, instance)
  const rateFor = (phoneNumberId: string) => Number(config.EGRESS_MPS_OVERRIDES?.[phoneNumberId] ?? config.EGRESS_DEFAULT_MPS)
  // The consumer and the dispatcher call each other through callbacks that run only after start().
  const metrics = createEgressMetrics({ buffered: () => dispatcher.buffered(), inFlight: () => dispatcher.gate.inFlight })
  // Until the first assignment no send starts either.
  let isFenced = true
  const consumer = createConsumer(kafka, {
    groupId: config.EGRESS_GROUP_ID,
    topics: [topics.outboundRequests],
    fromBeginning: true,
    partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
    heartbeatIntervalMs: 1000,
    // Short fetch waits keep shutdown and rebalances quick; an idle partition costs a poll per 500 ms.
    maxWaitTimeMs: 500,
    // The fence is tracked here too: /readyz says not ready while no send may start.
    onRebalancing: () => { isFenced = true; dispatcher.rebalancing() },
    onAssignment: (assignment) => { isFenced = false; dispatcher.assigned(assignment[topics.outboundRequests] ?? []) },
    onCrash: (err) => { logger.fatal({ err }, 'consumer crashed'); deps.onFatal?.(err) }
  })
  const dispatcher = createDispatcher({
    requestsTopic: topics.outboundRequests,
    rateFor,
    marginMs: config.EGRESS_WINDOW_MARGIN_MS,
    maxBufferedPerPartition: config.EGRESS_MAX_BUFFERED_PER_PARTITION,
    maxInFlight: config.GRAPH_MAX_IN_FLIGHT
  }, {
    codec,
    outputs,
    ledgerReader,
    delivery: {
      client,
      outputs,
      ledger,
      metrics,
      clock,
      tokenFor: createTokenLookup({ defaultToken: config.WA_ACCESS_TOKEN, tokens: config.WA_ACCESS_TOKENS, phoneWabas: config.WA_PHONE_WABAS }),
      retry: { maxAttempts: config.EGRESS_MAX_ATTEMPTS, baseMs: config.EGRESS_RETRY_BASE_MS, maxMs: config.EGRESS_RETRY_MAX_MS },
      inDoubtGraceMs: config.GRAPH_TIMEOUT_MS + 5000,
      stampAt: config.EGRESS_RATE_STAMP
    },
    timers: { clock, setTimer: (fn, ms) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) } } },
    onPause: (partition) => consumer.pause(topics.outboundRequests, [partition]),
    onResume: (partition) => consumer.resume(topics.outboundRequests, [partition])
  })
  const inbound = config.EGRESS_COUNT_INBOUND
    ? createInboundObserver(kafka, { topic: topics.inboundMessages, groupId: config.EGRESS_GROUP_ID, lanes: dispatcher.lanes, rateFor, clock })
    : undefined
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  let commitTimer: NodeJS.Timeout | undefined
  let pruneTimer: NodeJS.Timeout | undefined
  const health = buildHealthServer({
    isStopping: () => state === 'stopping' || state === 'stopped',
    checks: () => readinessChecks({
      isStarted: state === 'running', isFenced, partitions: dispatcher.owned(), buffered: dispatcher.buffered(), inFlight: dispatcher.gate.inFlight
    })
  })

  async function commit (): Promise<void> {
    const offsets = dispatcher.committable()
    if (offsets.length === 0) return
    const metadata = JSON.stringify({ t: clock(), instance })
    try {
      await consumer.commit(offsets.map((o) => ({ topic: topics.outboundRequests, partition: o.partition, offset: o.offset, metadata })))
      for (const o of offsets) dispatcher.committed(o.partition, o.offset)
    } catch (err) {
      // A rebalance in progress; the next owner starts from the last successful commit.
      logger.warn({ err }, 'commit failed')
    }
  }

  return {
    health,
    instance,
    async start () {
      await admin.connect()
      const ensured = await ensureTopics(admin, {
        prefix: config.TOPIC_PREFIX,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundMessages'],
        extra: [{ topic: attemptsTopic(config.TOPIC_PREFIX), configs: { 'retention.ms': String(7 * 24 * 3600_000) } }]
      })
      if (ensured.mismatched.length > 0) {
        throw new Error(`topics must have ${config.KAFKA_TOPIC_PARTITIONS} partitions (KAFKA_TOPIC_PARTITIONS) to stay co-partitioned: ` +
          ensured.mismatched.map((m) => `${m.topic} has ${m.partitions}`).join(', '))
      }
      await producer.start()
      await ledgerReader.start()
      await inbound?.start()
      await consumer.start({
        eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
          dispatcher.handleBatch(batch, resolveOffset, heartbeat, () => isRunning() && !isStale())
      })
      commitTimer = setInterval(() => { void commit() }, config.EGRESS_COMMIT_INTERVAL_MS)
      // The ledger remembers what a new owner of a partition would read back, no more.
      pruneTimer = setInterval(() => ledger.prune(config.EGRESS_LEDGER_LOOKBACK_MS), Math.min(10_000, config.EGRESS_LEDGER_LOOKBACK_MS))
      pruneTimer.unref()
      await health.listen({ port: config.EGRESS_PORT, host: config.EGRESS_HOST })
      state = 'running'
      logger.info({ instance, port: config.EGRESS_PORT }, 'egress started')
    },
    async stop (deadlineMs = config.SHUTDOWN_TIMEOUT_MS) {
      if (state === 'stopping' || state === 'stopped') return
      const wasRunning = state === 'running'
      state = 'stopping'
      const deadline = Date.now() + deadlineMs
      if (commitTimer) clearInterval(commitTimer)
      if (pruneTimer) clearInterval(pruneTimer)
      // Stop fetching, hand queued work back (uncommitted), let sends in flight finish.
      if (wasRunning) consumer.kafkajs.pause([{ topic: topics.outboundRequests }])
      dispatcher.close()
      while (dispatcher.gate.inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      if (wasRunning) await commit()
      await consumer.stop()
      await inbound?.stop()
      await ledgerReader.stop()
      await producer.stop()
      await client.stop()
      await admin.disconnect()
      await health.close()
      state = 'stopped'
      logger.info({ instance }, 'egress stopped')
    }
  }
}

export type Egress = ReturnType<typeof createEgress>
