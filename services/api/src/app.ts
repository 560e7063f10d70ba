import type { Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import type { Kafka } from 'kafkajs'
import pRetry from 'p-retry'
import { createWindowTracker } from '@wabridge/conversations'
import { createKafkaClient, createProducer, type WabridgeProducer } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { apiTopicsOf, ensureApiTopics } from './api-topics.ts'
import type { ApiConfig } from './config.ts'
import { createKeyStore } from './key-store.ts'
import { createMessagePublisher } from './message-publisher.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { createRequestView } from './request-view.ts'
import { buildServer } from './server.ts'
import { createRateLimiter } from './token-bucket.ts'
import { createTopicReader } from './topic-reader.ts'
import { createViewFeed } from './view-feed.ts'

export interface ApiDeps {
  logger: Logger
  /** For failures the API cannot recover from (its topic reader crashed for good). */
  onFatal?: (err: Error) => void
  /** Default: a client for KAFKA_BROKERS. */
  kafka?: Kafka
  /** The client requests are produced with. Default `kafka` (tests point it at a closed port). */
  producerKafka?: Kafka
  /** Default: createProducer(producerKafka). */
  producer?: WabridgeProducer
  /** Epoch ms: rate limits, the view's window. Default Date.now. */
  clock?: () => number
  /** Version in the OpenAPI document. Default '0.1.0'. */
  version?: string
  /** Where the request metrics go. Default the global meter provider's (a no-op unless telemetry runs). */
  meter?: Meter
}

export interface Api {
  readonly server: FastifyInstance
  /** `http://host:port` once listening. */
  readonly url: string | undefined
  isReady(): boolean
  /** Resolves once keys and the view have caught up with the topics (rejects if reading failed for good). */
  whenCaughtUp(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * The HTTP API: it listens at once and answers 503 until Kafka is there; in the background it
 * creates its topics, reads keys and request states from them (every instance reads every
 * partition), and connects its producer, each retried until it succeeds or the API stops.
 */
export function createApi (config: ApiConfig, deps: ApiDeps): Api {
  const { logger } = deps
  const clock = deps.clock ?? Date.now
  const kafka = deps.kafka ?? createKafkaClient({
    brokers: [...config.KAFKA_BROKERS], clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-api', logger: logger.child({ component: 'kafka' })
  })
  const producer = deps.producer ?? createProducer(deps.producerKafka ?? kafka, { maxRetryTimeMs: config.API_PRODUCE_MAX_RETRY_MS })
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const topics = apiTopicsOf(config.TOPIC_PREFIX, config.API_KEYS_TOPIC)
  const keys = createKeyStore({ phoneWabas: config.WA_PHONE_WABAS ?? {} })
  const view = createRequestView({ windowMs: config.API_VIEW_WINDOW_MS, maxEntries: config.API_VIEW_MAX_ENTRIES, clock })
  const feed = createViewFeed({ codec, view, keys, topics, logger })
  const reader = createTopicReader(kafka, {
    topics: [{ topic: topics.keys }, ...[topics.requests, topics.scheduled, topics.results, topics.statuses].map((topic) => ({ topic, sinceMs: config.API_VIEW_WINDOW_MS }))],
    groupIdPrefix: `${config.TOPIC_PREFIX}.api`,
    clock,
    onRecord: feed.onRecord,
    onCrash: (err) => deps.onFatal?.(err),
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    logger
  })
  // GET /v1/windows: the customer service windows, read from wa.windows and the inbound messages (not part of readiness).
  const windows = createWindowTracker(kafka, {
    prefix: config.TOPIC_PREFIX,
    codec,
    logger: logger.child({ component: 'windows' }),
    clock,
    onCrash: (err) => deps.onFatal?.(err),
    ensureTopics: { partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR, allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA }
  })
  const publisher = createMessagePublisher(
    { topic: topics.requests, scheduledTopic: topics.scheduled, timeoutMs: config.API_PRODUCE_TIMEOUT_MS, retryAfterS: config.API_RETRY_AFTER_S },
    { producer, codec, view, clock }
  )
  const stopping = new AbortController()
  let isStarted = false
  let caughtUp: Promise<void> | undefined
  let connecting: Promise<void> | undefined
  const isReady = () => reader.isCaughtUp && producer.isConnected && !stopping.signal.aborted
  const server = buildServer({
    logger,
    maxBodyBytes: config.API_MAX_BODY_BYTES,
    retryAfterS: config.API_RETRY_AFTER_S,
    openApiDocument: buildOpenApiDocument({ version: deps.version ?? '0.1.0' }),
    messages: { keys, hasKeys: () => reader.isCaughtUp, limiter: createRateLimiter(clock), publisher, view, retryAfterS: config.API_RETRY_AFTER_S, windows, clock },
    checks: () => ({
      topics: { ok: reader.isCaughtUp, detail: { keys: keys.size(), ...view.stats(), ...feed.stats() } },
      producer: { ok: producer.isConnected }
    }),
    isClosing: () => stopping.signal.aborted,
    meter: deps.meter
  })

  /** Runs `step` until it succeeds or the API stops, with backoff (0.5 s doubling to 5 s). */
  const untilStopped = (what: string, step: () => Promise<void>) => pRetry(async () => {
    try {
      await step()
    } catch (err) {
      // p-retry never retries a TypeError; kafkajs throws one on metadata it does not have yet.
      throw err instanceof TypeError ? new Error(err.message, { cause: err }) : err
    }
  }, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 500,
    maxTimeout: 5000,
    signal: stopping.signal,
    onFailedAttempt: ({ error, attemptNumber }) => logger.warn({ attempt: attemptNumber, reason: error.message }, `${what} failed, retrying`)
  })

  function urlOf (): string | undefined {
    const address = server.server.address()
    return address && typeof address === 'object' ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : undefined
  }

  return {
    server,
    isReady,
    get url () { return urlOf() },
    whenCaughtUp: () => caughtUp ?? Promise.reject(new Error('not started')),
    async start () {
      if (isStarted) return
      isStarted = true
      await server.listen({ port: config.API_PORT, host: config.API_HOST })
      // Topics before the reader: it reads their offsets. The producer needs no topic to connect.
      caughtUp = untilStopped('reading the topics', async () => {
        await ensureApiTopics(kafka, { prefix: config.TOPIC_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR, keysTopic: topics.keys }, logger)
        await reader.start()
      }).then(() => logger.info({ keys: keys.size(), ...view.stats() }, 'api caught up'))
      connecting = untilStopped('connecting the producer', async () => {
        await producer.start()
        // Connected after stop() ran: stop() found nothing to stop.
        if (stopping.signal.aborted) await producer.stop()
      })
      // After the keys: the tracker creates the inbound and windows topics when missing.
      const windowsStarted = caughtUp.then(() => untilStopped('reading the customer service windows', () => windows.start()))
      // A stop while retrying rejects these with the abort reason: nothing to report then.
      windowsStarted.catch(() => {})
      caughtUp.catch(() => {})
      connecting.catch(() => {})
      logger.info({ url: urlOf(), topicPrefix: config.TOPIC_PREFIX }, 'api listening')
    },
    async stop () {
      if (stopping.signal.aborted) return
      // Not ready first, and the background retries end.
      stopping.abort(new Error('stopping'))
      // close() answers 503 to new requests and waits for in-flight ones (each bounded by API_PRODUCE_TIMEOUT_MS).
      await server.close()
      // Not waiting for a connection attempt still under way (kafkajs retries one for seconds when
      // Kafka is away): what it starts after this is stopped by the reader and the step above.
      await reader.stop()
      await windows.stop()
      await producer.stop()
      logger.info('api stopped')
    }
  }
}
