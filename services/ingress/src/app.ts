import { metrics as otelMetrics, trace, type Meter, type Tracer } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import type { Kafka } from 'kafkajs'
import { createKafkaClient, createProducer, createTopicLimits, topicNames, type WabridgeProducer } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { IngressConfig } from './config.ts'
import { createDedupCache } from './dedup-cache.ts'
import { ensureIngressTopics, INGRESS_TOPICS } from './ingress-topics.ts'
import { createIngressMetrics } from './metrics.ts'
import { readinessChecks } from './routes/health.ts'
import { buildServer } from './server.ts'
import { createWebhookPublisher } from './webhook-publisher.ts'

export interface IngressDeps {
  logger: Logger
  /** Default: a client for KAFKA_BROKERS. */
  kafka?: Kafka
  /** Default: createProducer(kafka) with the PRODUCE_* settings. The benchmark swaps it to isolate Kafka's share. */
  producer?: WabridgeProducer
  /** Default: the global tracer / meter of @opentelemetry/api. */
  tracer?: Tracer
  meter?: Meter
  /** Epoch ms, for received_at and the dedup window. Default Date.now. */
  now?: () => number
}

export interface Ingress {
  readonly server: FastifyInstance
  /** True while webhooks can be taken (what /readyz answers). */
  isReady(): boolean
  /** `http://host:port` once started. */
  readonly url: string | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

/** The ingress service: producer, dedup, publisher and HTTP server, created in dependency order. */
export function createIngress (config: IngressConfig, deps: IngressDeps): Ingress {
  const { logger } = deps
  const now = deps.now ?? Date.now
  const kafka = deps.kafka ?? createKafkaClient({
    brokers: [...config.KAFKA_BROKERS],
    clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-ingress',
    requestTimeoutMs: config.PRODUCE_REQUEST_TIMEOUT_MS,
    logger: logger.child({ component: 'kafka' })
  })
  // max.message.bytes and partitions per topic, shared: the publisher makes records fit what the producer enforces.
  const limits = createTopicLimits(kafka)
  const producer = deps.producer ?? createProducer(kafka, {
    lingerMs: config.PRODUCE_LINGER_MS, maxBatchRecords: config.PRODUCE_MAX_BATCH_RECORDS, maxRetryTimeMs: config.PRODUCE_MAX_RETRY_MS, limits
  })
  const metrics = createIngressMetrics(deps.meter ?? otelMetrics.getMeter('wabridge-ingress'))
  const publisher = createWebhookPublisher({
    topics: topicNames(config.TOPIC_PREFIX), timeoutMs: config.PRODUCE_TIMEOUT_MS, maxPendingBytes: config.PRODUCE_MAX_PENDING_BYTES
  }, {
    producer,
    limits,
    codec: createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {}),
    dedup: createDedupCache({ ttlMs: config.DEDUP_TTL_MS, maxEntries: config.DEDUP_MAX_ENTRIES, now }),
    metrics
  })
  let hasTopics = false
  let isStopping = false
  let isStarted = false
  const isReady = () => hasTopics && producer.isConnected && !isStopping
  const server = buildServer({
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    retryAfterS: config.RETRY_AFTER_S,
    trustProxy: config.INGRESS_TRUST_PROXY,
    connections: {
      headersTimeoutMs: config.INGRESS_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.INGRESS_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.INGRESS_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: config.INGRESS_MAX_CONNECTIONS
    },
    metrics,
    checks: () => readinessChecks({ isStarted: isStarted && hasTopics, isProducerConnected: producer.isConnected }),
    isClosing: () => isStopping,
    webhook: { verifyToken: config.WA_VERIFY_TOKEN, appSecrets: config.WA_APP_SECRETS, maxJsonDepth: config.MAX_JSON_DEPTH, publisher, tracer: deps.tracer ?? trace.getTracer('wabridge-ingress'), now }
  })

  function urlOf (): string | undefined {
    const address = server.server.address()
    return address && typeof address === 'object' ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : undefined
  }

  return {
    server,
    isReady,
    get url () { return urlOf() },
    async start () {
      if (isStarted) return
      isStarted = true
      // Kafka first: a webhook must never be taken before its records can be produced.
      await producer.start()
      await ensureIngressTopics(kafka, {
        prefix: config.TOPIC_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR
      }, logger)
      // Read the topics' max.message.bytes now rather than on the first webhook.
      const topics = topicNames(config.TOPIC_PREFIX)
      await limits.get(INGRESS_TOPICS.map((key) => topics[key]))
      hasTopics = true
      await server.listen({ port: config.INGRESS_PORT, host: config.INGRESS_HOST })
      logger.info({ url: urlOf(), topicPrefix: config.TOPIC_PREFIX }, 'ingress ready')
    },
    async stop () {
      if (isStopping) return
      // Not ready first, so load balancers stop sending while in-flight webhooks finish.
      isStopping = true
      // close() refuses new requests and waits for in-flight ones, each still answered only after its acks.
      await server.close()
      // Last: flushes anything still queued, then disconnects.
      await producer.stop()
      await limits.close()
      logger.info('ingress stopped')
    }
  }
}
