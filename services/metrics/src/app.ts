import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { createConsumer, createKafkaClient } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { createChangelogView } from './changelog/changelog-view.ts'
import { createRestoreReader } from './changelog/restore-reader.ts'
import type { MetricsConfig } from './config.ts'
import { createFlusher } from './ingest/flusher.ts'
import { readinessChecks } from './api/health.ts'
import { createInstruments, type Instruments } from './instruments.ts'
import { partitionFor } from './ingest/partitioner.ts'
import { createProcessor, type Processor } from './ingest/processor.ts'
import { createQueryView } from './api/query-view.ts'
import { buildServer } from './api/server.ts'
import { createUsagePricing } from './pricing/usage-pricing.ts'
import { toEvaluateConfig, toRetention } from './settings.ts'
import { createTicker, type Ticker } from './ingest/ticker.ts'
import { changelogTopicOf, ensureMetricsTopics, inputTopicsOf } from './ingest/topics.ts'

export interface MetricsAppDeps {
  logger?: Logger
  /** Wall clock for alert evaluation and the rolling 24 h, epoch ms. */
  clock?: () => number
  meter?: Meter
  /** Called when Kafka fails for good; main.ts turns it into a graceful exit with code 1. */
  onFatal?: (err: Error) => void
  /** Called after each tick: alerts evaluated at `now` on `partitions` restored partitions, which were then flushed. Tests step the clock with it. */
  onTick?: (now: number, partitions: number) => void
}

export interface MetricsApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMetricsApp (config: MetricsConfig, deps: MetricsAppDeps = {}): MetricsApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'metrics' })
  const clock = deps.clock ?? Date.now
  const groupId = config.METRICS_GROUP_ID
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-metrics', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const reader = createRestoreReader({ topic: changelogTopicOf(config), groupIdPrefix: groupId, seenCapacity: config.METRICS_DEDUP_MAX_ENTRIES }, { kafka, logger: logger.child({ component: 'restore' }) })
  const view = createChangelogView({ topic: changelogTopicOf(config), groupIdPrefix: groupId, onCrash }, { kafka, admin, logger: logger.child({ component: 'view' }) })
  let processor: Processor | undefined
  let ticker: Ticker | undefined
  let instruments: Instruments | undefined
  const consumer = createConsumer(kafka, {
    groupId,
    topics: Object.values(inputTopicsOf(config)),
    fromBeginning: true,
    partitionsConsumedConcurrently: config.METRICS_PARTITIONS_CONCURRENTLY,
    sessionTimeoutMs: config.METRICS_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onAssignment: (assignment) => processor?.onAssignment(assignment),
    onCrash
  })
  const flusher = createFlusher({ intervalMs: config.METRICS_FLUSH_INTERVAL_MS, timeoutMs: config.METRICS_FLUSH_TIMEOUT_MS }, {
    flush: async () => {
      if (!ticker) return
      const now = clock()
      const partitions = await ticker.run(now)
      deps.onTick?.(now, partitions)
    },
    logger
  })
  let isStarted = false
  let isStopping = false
  const server = buildServer({
    logger,
    view: createQueryView(view, clock),
    checks: () => readinessChecks({ isStarted, isViewCaughtUp: view.isCaughtUp }),
    isStopping: () => isStopping,
    host: config.METRICS_HOST,
    adminToken: config.METRICS_ADMIN_TOKEN,
    pricing: createUsagePricing({ dir: config.METRICS_RATE_CARD_DIR, phoneWabas: config.WA_PHONE_WABAS, wabaPortfolios: config.WA_WABA_PORTFOLIOS, logger, watch: true })
  })

  return {
    server,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.METRICS_HOST}:${address.port}` : undefined
    },
    async start () {
      await admin.connect()
      const topics = await ensureMetricsTopics(admin, config, logger)
      processor = createProcessor({
        groupId,
        topics: topics.inputs,
        changelogTopic: topics.changelog,
        changelogPartitions: topics.partitions.changelog,
        alertsTopic: topics.alerts,
        transactionTimeoutMs: config.METRICS_TRANSACTION_TIMEOUT_MS,
        flushMaxRecords: config.METRICS_FLUSH_MAX_RECORDS
      }, {
        kafka,
        reader,
        codec,
        logger: logger.child({ component: 'processor' }),
        seek: (topic, partition, offset) => consumer.kafkajs.seek({ topic, partition, offset }),
        numberInfo: (pn) => ticker?.numberInfo(pn),
        get instruments () { return instruments }
      })
      const { results, events } = topics.partitions
      ticker = createTicker({ evaluate: toEvaluateConfig(config), retention: toRetention(config), flushTimeoutMs: config.METRICS_FLUSH_TIMEOUT_MS, reachRefreshMs: 10_000 }, {
        processor,
        view,
        owners: { resultsPartitionOf: (pn) => partitionFor(pn, results), eventsPartitionOf: (waba) => partitionFor(waba, events) }
      })
      instruments = createInstruments(deps.meter ?? metrics.getMeter('wabridge-metrics'), { groupId }, ticker.gauges)
      // The view first: queries and the alert rules read the other partitions from it.
      await view.start()
      await consumer.start({ eachBatch: (payload) => processor!.eachBatch(payload) })
      flusher.start()
      await server.listen({ port: config.METRICS_PORT, host: config.METRICS_HOST })
      isStarted = true
      logger.info({ url: this.url, groupId, changelogTopic: topics.changelog }, 'metrics started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      // Stop folding first, so the final flush commits a state that matches its offsets.
      await processor?.drain()
      // Final tick: evaluate, then commit state, alerts and offsets of every owned partition.
      await flusher.stop()
      // Leave the group only now, so whoever restores our partitions starts from the final flush.
      await consumer.stop()
      await processor?.stop()
      await reader.stop()
      await view.stop()
      instruments?.stop()
      // Queries are answered until the very end.
      await server.close()
      await admin.disconnect()
      logger.info('metrics stopped')
    }
  }
}
