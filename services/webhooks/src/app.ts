import { metrics as otelMetrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import type { Kafka } from 'kafkajs'
import pLimit from 'p-limit'
import { createConsumer, createKafkaClient, createProducer } from '@wabridge/kafka'
import { createCodec, type WebhookSubscription } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { createAddressGuard, type Resolve } from './address-guard.ts'
import { attemptDelivery } from './attempt.ts'
import type { WebhooksConfig } from './config.ts'
import { createDispatcher } from './dispatcher.ts'
import { createEndpointHealth } from './endpoint-health.ts'
import { createWebhooksMetrics } from './instruments.ts'
import { createOwnership } from './ownership.ts'
import { createOutputs } from './records-out.ts'
import { createRetryStore } from './retry-store.ts'
import { createRetryWorker } from './retry-worker.ts'
import { createSender } from './sender.ts'
import { buildServer } from './server.ts'
import { createSourceConsumer } from './source-consumer.ts'
import { createSubscriptionAdmin, type SubscriptionAdmin } from './subscription-admin.ts'
import { createSubscriptionStore } from './subscription-store.ts'
import { setEnabled } from './subscriptions.ts'
import { ensureWebhookTopics, webhookTopics } from './webhook-topics.ts'

export interface WebhooksDeps {
  logger: Logger
  /** Default: a client for KAFKA_BROKERS. */
  kafka?: Kafka
  /** Default: the global meter of @opentelemetry/api. */
  meter?: Meter
  /** Epoch ms: retry timing, failing periods, signatures. Default Date.now. */
  now?: () => number
  /** Name resolution of endpoint hosts. Default dns.lookup. */
  resolve?: Resolve
  /** Called when a consumer crashed for good (the process edge stops and exits 1). */
  onFatal?: (err: Error) => void
}

export interface Webhooks {
  readonly server: FastifyInstance
  readonly admin: SubscriptionAdmin
  /** `http://host:port` once started. */
  readonly url: string | undefined
  isReady (): boolean
  start (): Promise<void>
  stop (): Promise<void>
}

/** The webhooks service: stores, dispatcher, retry worker, source consumer and HTTP API, in dependency order. */
export function createWebhooks (config: WebhooksConfig, deps: WebhooksDeps): Webhooks {
  const { logger } = deps
  const now = deps.now ?? Date.now
  const onFatal = deps.onFatal ?? ((err: Error) => { process.nextTick(() => { throw err }) })
  const groupId = config.WEBHOOKS_GROUP_ID ?? `${config.TOPIC_PREFIX}.webhooks`
  const topics = webhookTopics(config.TOPIC_PREFIX)
  const kafka = deps.kafka ?? createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-webhooks', logger: logger.child({ component: 'kafka' }) })
  const producer = createProducer(kafka)
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const backoff = { minMs: config.WEBHOOKS_RETRY_MIN_MS, maxMs: config.WEBHOOKS_RETRY_MAX_MS, periodMs: config.WEBHOOKS_RETRY_PERIOD_MS }
  const wake = () => { worker.wake() }
  const store = createSubscriptionStore({ kafka, producer, codec, topic: topics.subscriptions, groupPrefix: `${groupId}.subscriptions-view`, onCrash: onFatal, onChange: wake })
  const retry = createRetryStore({ kafka, producer, codec, topic: topics.retry, groupPrefix: `${groupId}.retry-view`, onCrash: onFatal, onAdded: wake })
  const metrics = createWebhooksMetrics(deps.meter ?? otelMetrics.getMeter('wabridge-webhooks'), () => retry.backlog())
  const sender = createSender({ timeoutMs: config.WEBHOOKS_TIMEOUT_MS, guard: createAddressGuard(config.WEBHOOKS_ALLOW_HOSTS), ...(deps.resolve && { resolve: deps.resolve }), now })
  const limit = pLimit(config.WEBHOOKS_CONCURRENCY)
  const attempt = (sub: WebhookSubscription, delivery: Parameters<typeof attemptDelivery>[2]) => limit(() => attemptDelivery(sender, sub, delivery, now()))
  const health = createEndpointHealth({ quietMs: config.WEBHOOKS_RETRY_MIN_MS, maxQuietMs: config.WEBHOOKS_RETRY_MAX_MS })
  const outputs = createOutputs({ producer, codec, failedTopic: topics.failed, alertsTopic: topics.gateway.alerts })

  const disabling = new Set<string>()
  // An endpoint failing for longer than WEBHOOKS_DISABLE_AFTER_MS is disabled once, with an alert.
  // The period starts no earlier than the subscription's last change: enabling it again (or rotating
  // its secret) gives the endpoint a whole new period.
  async function onFailure (sub: WebhookSubscription, failedForMs: number): Promise<void> {
    const current = store.get(sub.subscription_id)
    if (current === undefined || !current.enabled || disabling.has(sub.subscription_id)) return
    const failingMs = Math.min(failedForMs, now() - current.updated_at)
    if (failingMs < config.WEBHOOKS_DISABLE_AFTER_MS) return
    disabling.add(sub.subscription_id)
    try {
      const at = now()
      await store.put(setEnabled(current, false, at, `failing for ${Math.round(failingMs / 1000)} s (WEBHOOKS_DISABLE_AFTER_MS ${config.WEBHOOKS_DISABLE_AFTER_MS})`))
      await outputs.disabledAlert(current, failingMs, config.WEBHOOKS_DISABLE_AFTER_MS, at)
      logger.warn({ subscriptionId: sub.subscription_id, url: sub.url, failingMs }, 'webhook endpoint disabled')
    } finally {
      disabling.delete(sub.subscription_id)
    }
  }

  const ownership = createOwnership(kafka, { groupId: `${groupId}.retry`, topic: topics.retry, onChange: wake, onCrash: onFatal })
  const worker = createRetryWorker({
    retry, subscription: (id) => store.get(id), owns: (p) => ownership.owns(p), attempt, outputs, health, metrics, onFailure, backoff, logger, now
  })
  const dispatcher = createDispatcher({ subscriptions: () => store.list(), retry, attempt, outputs, health, metrics, onFailure, logger, now })
  const consumer = createConsumer(kafka, {
    groupId,
    topics: [topics.gateway.inboundMessages, topics.gateway.inboundStatuses, topics.gateway.outboundResults],
    fromBeginning: config.WEBHOOKS_FROM_BEGINNING,
    // Every partition at once: a batch waits for its slowest lane, other partitions need not.
    partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
    // Short polls: stop() waits for the fetch in flight.
    maxWaitTimeMs: 500,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash: onFatal
  })
  const source = createSourceConsumer({ consumer, codec, topics: topics.gateway, dispatcher, logger })
  const admin = createSubscriptionAdmin({ store, retry, kafka, codec, producer, failedTopic: topics.failed, secretGraceMs: config.WEBHOOKS_SECRET_GRACE_MS, now })

  let isStarted = false
  let isConsuming = false
  let isStopping = false
  const server = buildServer({
    logger,
    host: config.WEBHOOKS_HOST,
    adminToken: config.WEBHOOKS_ADMIN_TOKEN,
    admin,
    isClosing: () => isStopping,
    checks: () => ({ kafka: { ok: producer.isConnected }, consuming: { ok: isConsuming } })
  })
  const urlOf = () => {
    const address = server.server.address()
    return address && typeof address === 'object' ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : undefined
  }

  return {
    server,
    admin,
    get url () { return urlOf() },
    isReady: () => isConsuming && !isStopping,
    async start () {
      if (isStarted) return
      isStarted = true
      await producer.start()
      await ensureWebhookTopics(kafka, { prefix: config.TOPIC_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS, replicationFactor: config.KAFKA_REPLICATION_FACTOR }, logger)
      // Both views whole before any delivery: a lane's waiting deliveries must be known before a
      // new event of it could be sent past them.
      await store.start()
      await retry.start()
      await ownership.start()
      worker.start()
      await source.start()
      isConsuming = true
      await server.listen({ port: config.WEBHOOKS_PORT, host: config.WEBHOOKS_HOST })
      logger.info({ url: urlOf(), subscriptions: store.list().length, topicPrefix: config.TOPIC_PREFIX }, 'webhooks ready')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      await server.close()
      // Source first: its batches finish (delivered or parked) and commit; then the retries in flight.
      await source.stop()
      isConsuming = false
      await worker.stop()
      await Promise.all([ownership.stop(), retry.stop(), store.stop()])
      await sender.close()
      await producer.stop()
      logger.info('webhooks stopped')
    }
  }
}
