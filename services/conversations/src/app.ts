import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { configuredWabas, createTemplateCatalogPart, createWindowKeeper, wabaTokenResolver, type WindowKeeper } from '@wabridge/conversations'
import { createGraphApiClient } from '@wabridge/graph-api'
import { createKafkaClient } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import type { ConversationsConfig } from './config.ts'
import { readinessChecks } from './health.ts'
import { ErrorBodySchema } from './http-schemas.ts'
import { createInstruments, type Instruments } from './instruments.ts'
import { buildServer, type MountedRoutes } from './server.ts'

export interface ConversationsAppDeps {
  logger?: Logger
  /** Clock of window decisions (open or closed now), epoch ms. */
  clock?: () => number
  meter?: Meter
  /** Called when Kafka fails for good; the process edge turns it into exit code 1. */
  onFatal?: (err: Error) => void
}

/** A part of the service besides the windows (the template catalogue): started after the keeper, stopped before it. */
export interface MountedPart extends MountedRoutes {
  start(): Promise<void>
  stop(): Promise<void>
  isReady(): boolean
}

export interface ConversationsApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  readonly keeper: WindowKeeper
  isReady(): boolean
  start(): Promise<void>
  stop(): Promise<void>
}

export function createConversationsApp (config: ConversationsConfig, deps: ConversationsAppDeps = {}): ConversationsApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'conversations' })
  const clock = deps.clock ?? Date.now
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-conversations', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  let instruments: Instruments | undefined
  const keeper = createWindowKeeper(kafka, {
    prefix: config.TOPIC_PREFIX,
    groupId: config.WINDOWS_GROUP_ID,
    codec,
    logger: logger.child({ component: 'windows' }),
    clock,
    sweepIntervalMs: config.WINDOWS_SWEEP_INTERVAL_MS,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    sessionTimeoutMs: config.CONVERSATIONS_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash,
    admin,
    events: {
      written: (n) => instruments?.written?.(n),
      tombstoned: (n) => instruments?.tombstoned?.(n),
      skipped: (n) => instruments?.skipped?.(n)
    }
  })
  // Parts mounted beside the windows (routes, OpenAPI paths, lifecycle); the template catalogue goes here.
  const parts: MountedPart[] = []
  // The template catalogue (docs/conversations.md, "Template catalogue"): sync, webhooks, alerts, /v1/templates.
  parts.push(createTemplateCatalogPart({
    kafka,
    admin,
    codec,
    logger: logger.child({ component: 'templates' }),
    graph: createGraphApiClient({ baseUrl: config.GRAPH_API_BASE_URL, apiVersion: config.GRAPH_API_VERSION, connections: 2, userAgent: 'wabridge-conversations' }),
    prefix: config.TOPIC_PREFIX,
    wabas: configuredWabas(config.CONVERSATIONS_WABAS, config.WA_PHONE_WABAS),
    tokenFor: wabaTokenResolver(config.WA_ACCESS_TOKENS, config.WA_ACCESS_TOKEN, config.WA_PHONE_WABAS),
    syncIntervalMs: config.CONVERSATIONS_TEMPLATE_SYNC_MS,
    ...(config.CONVERSATIONS_TEMPLATES_GROUP_ID !== undefined && { groupId: config.CONVERSATIONS_TEMPLATES_GROUP_ID }),
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    sessionTimeoutMs: config.CONVERSATIONS_SESSION_TIMEOUT_MS,
    clock,
    onCrash,
    errorBodySchema: ErrorBodySchema
  }))
  let isStarted = false
  let isStopping = false
  const isReady = () => isStarted && keeper.isReady() && parts.every((p) => p.isReady())

  const server = buildServer({
    logger,
    windows: keeper,
    clock,
    host: config.CONVERSATIONS_HOST,
    adminToken: config.CONVERSATIONS_ADMIN_TOKEN,
    parts,
    checks: () => readinessChecks({ isStarted, windowsLoaded: keeper.isReady(), parts: parts.map((p) => p.isReady()) }),
    isStopping: () => isStopping
  })

  const app: ConversationsApp = {
    server,
    keeper,
    isReady,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.CONVERSATIONS_HOST}:${address.port}` : undefined
    },
    async start () {
      await admin.connect()
      instruments = createInstruments(deps.meter ?? metrics.getMeter('wabridge-conversations'), { tracked: () => keeper.size() })
      await keeper.start()
      for (const part of parts) await part.start()
      await server.listen({ port: config.CONVERSATIONS_PORT, host: config.CONVERSATIONS_HOST })
      isStarted = true
      logger.info({ url: app.url, groupId: config.WINDOWS_GROUP_ID }, 'conversations started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      for (const part of [...parts].reverse()) await part.stop()
      // Leave the group first, so another instance takes the partitions over.
      await keeper.stop()
      await server.close()
      instruments?.stop()
      await admin.disconnect()
      logger.info('conversations stopped')
    }
  }
  return app
}
