import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { createAccessTokenLookup, createGraphApiClient, openMediaDownload } from '@wabridge/graph-api'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createMediaStore, mediaStoreConfigOf, type MediaStore } from '@wabridge/media-store'
import { createCodec, type InboundMedia } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import type { MediaConfig } from './config.ts'
import { fetchMedia, type FetchMediaDeps } from './fetch-media.ts'
import { readinessChecks } from './health.ts'
import { createInstruments, type Instruments } from './instruments.ts'
import type { MediaJob } from './media-job.ts'
import { createMediaPipeline, type MediaPipeline } from './media-pipeline.ts'
import { createRecentMedia } from './recent-media.ts'
import { buildServer } from './server.ts'
import { ensureMediaTopics, mediaTopicName } from './topics.ts'

export interface MediaAppDeps {
  logger?: Logger
  /** Clock of the records' completed_at and the download durations, epoch ms. */
  clock?: () => number
  meter?: Meter
  /** The store; default from MEDIA_STORE_URL and MEDIA_S3_*. */
  store?: MediaStore
  /** Called when Kafka fails for good; the process edge turns it into exit code 1. */
  onFatal?: (err: Error) => void
  /** Extra listeners (tests, the benchmark): each completed store write, each published batch. */
  events?: { stored?: (job: MediaJob, uri: string, size: number) => void, published?: (records: InboundMedia[]) => void }
}

export interface MediaApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  readonly store: MediaStore
  isReady (): boolean
  start (): Promise<void>
  stop (): Promise<void>
}

export function createMediaApp (config: MediaConfig, deps: MediaAppDeps = {}): MediaApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'media' })
  const clock = deps.clock ?? Date.now
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-media', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const store = deps.store ?? createMediaStore(mediaStoreConfigOf({ ...config, MEDIA_STORE_URL: config.MEDIA_STORE_URL }))
  const graph = createGraphApiClient({ baseUrl: config.GRAPH_API_BASE_URL, apiVersion: config.GRAPH_API_VERSION })
  const recent = createRecentMedia(config.MEDIA_RECENT_MAX)
  let instruments: Instruments | undefined
  const fetchDeps: FetchMediaDeps = {
    graph,
    tokenFor: createAccessTokenLookup({ defaultToken: config.WA_ACCESS_TOKEN, tokens: config.WA_ACCESS_TOKENS, phoneWabas: config.WA_PHONE_WABAS }),
    store,
    download: openMediaDownload,
    allowedHosts: config.MEDIA_ALLOWED_HOSTS,
    allowInsecureHttp: config.MEDIA_ALLOW_INSECURE_HTTP,
    maxAttempts: config.MEDIA_MAX_ATTEMPTS,
    retryMinMs: config.MEDIA_RETRY_MIN_MS,
    downloadTimeoutMs: config.MEDIA_DOWNLOAD_TIMEOUT_MS,
    clock,
    onStored: (job, uri, size) => { instruments?.stored(size); deps.events?.stored?.(job, uri, size) },
    onAttempt: (ms, outcome) => instruments?.attempt(ms, outcome)
  }
  const pipeline: MediaPipeline = createMediaPipeline({
    groupId: config.MEDIA_GROUP_ID,
    inboundTopic: topicNames(config.TOPIC_PREFIX).inboundMessages,
    mediaTopic: mediaTopicName(config.TOPIC_PREFIX),
    concurrency: config.MEDIA_CONCURRENCY,
    maxPending: config.MEDIA_MAX_PENDING,
    commitIntervalMs: config.MEDIA_COMMIT_INTERVAL_MS,
    transactionTimeoutMs: config.MEDIA_TRANSACTION_TIMEOUT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash
  }, {
    kafka,
    admin,
    codec,
    logger: logger.child({ component: 'pipeline' }),
    handle: async (job) => {
      const record = await fetchMedia(job, fetchDeps)
      if (record.status === 'failed') logger.warn({ mediaId: job.mediaId, messageId: job.messageId, failure: record.failure, reason: record.reason }, 'inbound media failed')
      return record
    },
    onPublished: (records) => {
      recent.add(records)
      instruments?.published(records)
      deps.events?.published?.(records)
    }
  })
  let isStarted = false
  let isStopping = false
  const isReady = (): boolean => { const p = pipeline.partitions(); return isStarted && p.ready === p.owned }

  const server = buildServer({
    logger,
    lookup: (id) => recent.get(id),
    host: config.MEDIA_HOST,
    adminToken: config.MEDIA_ADMIN_TOKEN,
    checks: () => readinessChecks({ isStarted, ...pipeline.partitions() }),
    isStopping: () => isStopping
  })

  const app: MediaApp = {
    server,
    store,
    isReady,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.MEDIA_HOST}:${address.port}` : undefined
    },
    async start () {
      await admin.connect()
      await ensureMediaTopics(admin, config, logger)
      instruments = createInstruments(deps.meter ?? metrics.getMeter('wabridge-media'))
      await pipeline.start()
      await server.listen({ port: config.MEDIA_PORT, host: config.MEDIA_HOST })
      isStarted = true
      logger.info({ url: app.url, groupId: config.MEDIA_GROUP_ID, store: store.baseUri, allowedHosts: config.MEDIA_ALLOWED_HOSTS }, 'media worker started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      // Running downloads finish and are published (within the shutdown budget), then the group is left.
      await pipeline.stop(Math.max(1000, Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2)))
      await server.close()
      await admin.disconnect()
      store.close()
      logger.info('media worker stopped')
    }
  }
  return app
}
