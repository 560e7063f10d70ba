import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import type { SchedulerConfig } from './config.ts'
import { createCoordinator } from './coordinator.ts'
import { readinessChecks } from './health.ts'
import { createInstruments, type Instruments } from './instruments.ts'
import type { PartitionStats, WorkerEvents } from './partition-worker.ts'
import { createPendingReader } from './pending-reader.ts'
import { createScheduledApi, type ScheduledApi } from './scheduled-api.ts'
import { buildServer } from './server.ts'
import { ensureSchedulerTopics } from './topics.ts'
import type { TransactionFaults } from './transactions.ts'

export interface SchedulerAppDeps {
  logger?: Logger
  /** Clock of release decisions (send_at against now), epoch ms. */
  clock?: () => number
  meter?: Meter
  /** Extra listeners of what the workers do (tests, the benchmark). */
  events?: WorkerEvents
  /** Called when Kafka fails for good; the process edge turns it into exit code 1. */
  onFatal?: (err: Error) => void
  /** Test hooks around each transaction's commit. */
  faults?: TransactionFaults
}

export interface SchedulerApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  readonly api: ScheduledApi
  /** The partitions this instance owns. */
  partitions(): PartitionStats[]
  /** True when every owned partition is taken over. */
  isReady(): boolean
  start(): Promise<void>
  stop(): Promise<void>
}

export function createSchedulerApp (config: SchedulerConfig, deps: SchedulerAppDeps = {}): SchedulerApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'scheduler' })
  const clock = deps.clock ?? Date.now
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const topics = topicNames(config.TOPIC_PREFIX)
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-scheduler', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const producer = createProducer(kafka, { lingerMs: 0 })
  const reader = createPendingReader(kafka, admin, { topic: config.SCHEDULER_PENDING_TOPIC, groupIdPrefix: config.SCHEDULER_GROUP_ID, onCrash })
  let instruments: Instruments | undefined
  // Forwards to the instruments (made once the meter provider exists) and to the caller's listeners.
  const events: WorkerEvents = {
    released: (n, lateness) => { instruments?.released?.(n, lateness); deps.events?.released?.(n, lateness) },
    cancelled: () => { instruments?.cancelled?.(); deps.events?.cancelled?.() },
    rejected: () => { instruments?.rejected?.(); deps.events?.rejected?.() },
    duplicate: () => { instruments?.duplicate?.(); deps.events?.duplicate?.() },
    scanned: (ms, n) => { instruments?.scanned?.(ms, n); deps.events?.scanned?.(ms, n) }
  }
  const coordinator = createCoordinator({
    groupId: config.SCHEDULER_GROUP_ID,
    scheduledTopic: config.SCHEDULER_SCHEDULED_TOPIC,
    pendingTopic: config.SCHEDULER_PENDING_TOPIC,
    requestsTopic: topics.outboundRequests,
    resultsTopic: topics.outboundResults,
    transactionTimeoutMs: config.SCHEDULER_TRANSACTION_TIMEOUT_MS,
    maxIndexed: config.SCHEDULER_MAX_INDEXED,
    horizonMs: config.SCHEDULER_HORIZON_MS,
    rescanLeadMs: config.SCHEDULER_RESCAN_LEAD_MS,
    maxReleaseBatch: config.SCHEDULER_MAX_RELEASE_BATCH,
    markerRetentionMs: config.SCHEDULER_MARKER_RETENTION_MS,
    clock,
    sessionTimeoutMs: config.SCHEDULER_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash
  }, { kafka, admin, codec, reader, logger: logger.child({ component: 'partitions' }), events, faults: deps.faults })
  const api = createScheduledApi({ scheduledTopic: config.SCHEDULER_SCHEDULED_TOPIC, cancelWaitMs: config.SCHEDULER_CANCEL_WAIT_MS, clock }, { coordinator, reader, producer })
  let isStarted = false
  let isStopping = false
  const partitions = () => coordinator.workers().map((w) => w.stats())
  const isReady = () => isStarted && coordinator.assigned.every((p) => coordinator.worker(p)?.isReady === true)

  const server = buildServer({
    logger,
    api,
    host: config.SCHEDULER_HOST,
    adminToken: config.SCHEDULER_ADMIN_TOKEN,
    checks: () => readinessChecks({ isStarted, owned: coordinator.assigned.length, ready: coordinator.assigned.filter((p) => coordinator.worker(p)?.isReady).length }),
    isStopping: () => isStopping
  })

  const app: SchedulerApp = {
    server,
    api,
    partitions,
    isReady,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.SCHEDULER_HOST}:${address.port}` : undefined
    },
    async start () {
      await admin.connect()
      await ensureSchedulerTopics(admin, config, logger)
      await producer.start()
      // The reader first: taking a partition over reads its pending partition through it.
      await reader.start()
      instruments = createInstruments(deps.meter ?? metrics.getMeter('wabridge-scheduler'), {
        indexed: () => partitions().reduce((n, p) => n + p.indexed, 0),
        later: () => partitions().reduce((n, p) => n + p.later, 0)
      })
      await coordinator.start()
      await server.listen({ port: config.SCHEDULER_PORT, host: config.SCHEDULER_HOST })
      isStarted = true
      logger.info({ url: app.url, groupId: config.SCHEDULER_GROUP_ID, scheduled: config.SCHEDULER_SCHEDULED_TOPIC, pending: config.SCHEDULER_PENDING_TOPIC }, 'scheduler started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      // Leave the group first (the workers finish their transaction under way and stop), so another instance takes over.
      await coordinator.stop()
      await server.close()
      await reader.stop()
      await producer.stop()
      instruments?.stop()
      await admin.disconnect()
      logger.info('scheduler stopped')
    }
  }
  return app
}
