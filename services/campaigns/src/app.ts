import { performance } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import { createTemplateCatalogView } from '@wabridge/conversations'
import { createGraphApiClient, type GraphApiClient } from '@wabridge/graph-api'
import { createKafkaClient, createProducer, createTopicView, type TopicView } from '@wabridge/kafka'
import { createPortfolioResolver, createReachGuard, createSuppressionStore, startSuppressionFeeder, type ReachGuard, type SuppressionStore } from '@wabridge/outreach'
import { createCodec } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { createAudienceStore } from './audience-store.ts'
import { createGraphTemplateLookup, tokenFor } from './graph-templates.ts'
import { createCampaignView } from './campaign-view.ts'
import { createCommandSender } from './command-sender.ts'
import type { CampaignsConfig } from './config.ts'
import { readinessChecks } from './health.ts'
import { createOwner, type ReachCheck } from './owner.ts'
import { createProgressFeeder } from './progress-feeder.ts'
import { readTopicToEnd } from './read-to-end.ts'
import type { TemplateLookup } from './routes/campaigns.ts'
import { buildServer } from './server.ts'
import { createTemplatePauser } from './template-pauser.ts'
import { ensureCampaignsTopics, campaignsTopics } from './topics.ts'

export interface CampaignsAppDeps {
  logger?: Logger
  /** Wall clock: send_at, local-time windows, end_by, record times; epoch ms. */
  clock?: () => number
  /** Pacing clock (token buckets), ms; default performance.now. */
  monotonic?: () => number
  /** The messaging-limit guard; default @wabridge/outreach's createReachGuard from the configuration; null = none. */
  reach?: ReachCheck | null
  /** Template check before a campaign starts; default the Graph API's templates when a token is configured (WA_ACCESS_TOKEN, WA_ACCESS_TOKENS), else none. */
  templates?: TemplateLookup
  /** Called when Kafka fails for good; the process edge turns it into exit code 1. */
  onFatal?: (err: Error) => void
}

export interface CampaignsApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  /** Runs the owner's tick now (the timer does it every CAMPAIGNS_TICK_MS). */
  tick(): Promise<void>
  /** Commands partitions owned and restored by this instance. */
  owned(): number[]
  readonly suppressions: SuppressionStore
  start(): Promise<void>
  stop(): Promise<void>
}

export function createCampaignsApp (config: CampaignsConfig, deps: CampaignsAppDeps = {}): CampaignsApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'campaigns' })
  const clock = deps.clock ?? Date.now
  const monotonic = deps.monotonic ?? (() => performance.now())
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const topics = campaignsTopics(config)
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-campaigns', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const producer = createProducer(kafka, { lingerMs: 0 })
  const portfolios = createPortfolioResolver({ phoneWabas: config.WA_PHONE_WABAS ?? {}, wabaPortfolios: config.WA_WABA_PORTFOLIOS ?? {} })
  const view = createCampaignView({ topic: topics.campaigns, groupIdPrefix: config.CAMPAIGNS_GROUP_ID, onCrash }, { kafka, admin, codec, logger })
  const rates = new Map<string, number>()
  let numbersView: TopicView | undefined
  let numbersTimer: NodeJS.Timeout | undefined
  const suppressions = createSuppressionStore({ kafka, topic: config.CAMPAIGNS_SUPPRESSIONS_TOPIC, codec, clock, logger: logger.child({ component: 'suppressions' }), onCrash })
  let feeder: { stop(): Promise<void> } | undefined
  const tokens = config.WA_ACCESS_TOKENS ?? {}
  const hasToken = config.WA_ACCESS_TOKEN !== undefined || Object.keys(tokens).length > 0
  const graph: GraphApiClient | undefined = hasToken ? createGraphApiClient({ baseUrl: config.GRAPH_API_BASE_URL, apiVersion: config.GRAPH_API_VERSION, connections: 4, userAgent: 'wabridge-campaigns' }) : undefined
  const templates = deps.templates ?? (graph && createGraphTemplateLookup({ client: graph, tokens, token: config.WA_ACCESS_TOKEN, wabaOf: portfolios.wabaOf, logger: logger.child({ component: 'templates' }) }))
  const reachGuard: ReachGuard | undefined = deps.reach === undefined
    ? createReachGuard({
      kafka,
      codec,
      topic: config.CAMPAIGNS_REACH_TOPIC,
      alertsTopic: topics.alerts,
      portfolioOf: portfolios.portfolioOf,
      tierOf: (portfolio) => config.CAMPAIGNS_MESSAGING_TIERS?.[portfolio],
      defaultTier: config.CAMPAIGNS_DEFAULT_TIER,
      share: config.CAMPAIGNS_LIMIT_SHARE,
      events: { topic: topics.events, groupId: `${config.CAMPAIGNS_GROUP_ID}.reach-tiers`, portfolioOfWaba: portfolios.portfolioOfWaba, sessionTimeoutMs: config.CAMPAIGNS_SESSION_TIMEOUT_MS },
      // The tier Meta reports for the number (whatsapp_business_manager_messaging_limit), when a token is configured.
      graph: graph && {
        async messagingLimit (phoneNumberId: string) {
          const token = tokenFor(tokens, config.WA_ACCESS_TOKEN, phoneNumberId, portfolios.wabaOf(phoneNumberId))
          if (!token) return undefined
          const outcome = await graph.messagingLimit(phoneNumberId, token)
          return outcome.ok ? outcome.tier : undefined
        }
      },
      clock,
      logger: logger.child({ component: 'reach' }),
      onCrash
    })
    : undefined
  const reach: ReachCheck | undefined = deps.reach === undefined ? reachGuard : deps.reach ?? undefined
  const audiences = createAudienceStore({ topic: topics.audience }, { kafka, admin, producer, codec })
  const owner = createOwner({
    topics,
    groupId: config.CAMPAIGNS_GROUP_ID,
    transactionTimeoutMs: config.CAMPAIGNS_TRANSACTION_TIMEOUT_MS,
    sessionTimeoutMs: config.CAMPAIGNS_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    tickMs: config.CAMPAIGNS_TICK_MS,
    progressIntervalMs: config.CAMPAIGNS_PROGRESS_INTERVAL_MS,
    inFlightMs: config.CAMPAIGNS_IN_FLIGHT_MS,
    bulkShare: config.CAMPAIGNS_BULK_SHARE,
    defaultMps: config.CAMPAIGNS_DEFAULT_MPS
  }, {
    kafka,
    admin,
    codec,
    logger: logger.child({ component: 'owner' }),
    view,
    clock,
    monotonic,
    rateOf: (pn) => rates.get(pn),
    wabaOf: portfolios.wabaOf,
    suppressions,
    reach,
    loadAudience: audiences.load,
    onCrash
  })
  const progress = createProgressFeeder({
    topics: { results: topics.results, statuses: topics.statuses, commands: topics.commands },
    groupId: `${config.CAMPAIGNS_GROUP_ID}.progress`,
    sessionTimeoutMs: config.CAMPAIGNS_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash
  }, { kafka, codec, logger: logger.child({ component: 'progress' }), clock })
  const send = createCommandSender({ topic: topics.commands, timeoutMs: config.CAMPAIGNS_COMMAND_TIMEOUT_MS }, { producer, codec, view, clock })
  // The template catalogue (wa.templates, written by the conversations service): campaigns whose template is PAUSED or DISABLED are paused.
  const templateCatalog = createTemplateCatalogView(kafka, { prefix: config.TOPIC_PREFIX, codec, logger: logger.child({ component: 'template-catalog' }), admin, groupIdPrefix: `${config.CAMPAIGNS_GROUP_ID}.templates`, onCrash })
  const templatePauser = createTemplatePauser({ catalog: templateCatalog, campaigns: view, send, wabaOf: portfolios.wabaOf, owns: (pn) => owner.ownsNumber(pn), logger: logger.child({ component: 'template-pauser' }) })

  async function readTopic (topic: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = []
    await readTopicToEnd(kafka, admin, topic, (_key, value) => {
      if (value === null) return
      try {
        const v = JSON.parse(value.toString('utf8')) as unknown
        out.push(typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : {})
      } catch {
        out.push({}) // reported as a row without a number, at its position
      }
    })
    return out
  }

  let isStarted = false
  let isStopping = false
  const server = buildServer({
    logger,
    campaigns: {
      view,
      send,
      audiences,
      clock,
      defaultRegion: config.CAMPAIGNS_DEFAULT_REGION,
      wabaOf: portfolios.wabaOf,
      readTopic,
      templates,
      maxAudienceBytes: config.CAMPAIGNS_MAX_AUDIENCE_BYTES
    },
    suppressions,
    wabaOf: portfolios.wabaOf,
    clock,
    host: config.CAMPAIGNS_HOST,
    adminToken: config.CAMPAIGNS_ADMIN_TOKEN,
    checks: () => readinessChecks({ isStarted, owned: owner.assigned().length, ready: owner.ready().length }),
    isStopping: () => isStopping
  })

  const app: CampaignsApp = {
    server,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.CAMPAIGNS_HOST}:${address.port}` : undefined
    },
    tick: () => owner.tick(),
    owned: () => owner.ready(),
    suppressions,
    async start () {
      await admin.connect()
      await ensureCampaignsTopics(admin, config, logger)
      await producer.start()
      // Egress publishes each number's rate on its compacted numbers topic; until it exists (egress not
      // started yet), CAMPAIGNS_DEFAULT_MPS, and the topic is looked for again every 30 s.
      const startNumbersView = async (): Promise<boolean> => {
        if (numbersView || isStopping || !(await admin.listTopics()).includes(topics.numbers)) return numbersView !== undefined
        numbersView = createTopicView({
          topic: topics.numbers,
          groupIdPrefix: config.CAMPAIGNS_GROUP_ID,
          onCrash,
          onRecord: async (key, value) => {
            if (value === null) rates.delete(key)
            else rates.set(key, (await codec.deserialize(value, 'NumberState')).value.rate_mps)
          }
        }, { kafka, admin, logger })
        await numbersView.start()
        return true
      }
      const numbersFound = startNumbersView()
      await Promise.all([view.start(), suppressions.start(), reachGuard?.start(), numbersFound])
      if (!(await numbersFound)) {
        logger.warn({ topic: topics.numbers }, 'egress numbers topic not found yet: numbers run at CAMPAIGNS_DEFAULT_MPS until it appears')
        numbersTimer = setInterval(() => {
          startNumbersView().then((found) => { if (found) clearInterval(numbersTimer) }, (err: unknown) => logger.warn({ err }, 'egress numbers topic not readable'))
        }, 30_000)
        numbersTimer.unref()
      }
      feeder = await startSuppressionFeeder({
        kafka,
        codec,
        store: suppressions,
        topics: { statuses: topics.statuses, messages: topics.messages, events: topics.events },
        groupId: `${config.CAMPAIGNS_GROUP_ID}.suppressions`,
        sessionTimeoutMs: config.CAMPAIGNS_SESSION_TIMEOUT_MS,
        keywords: config.CAMPAIGNS_STOP_KEYWORDS,
        wabaOf: portfolios.wabaOf,
        clock,
        logger: logger.child({ component: 'suppression-feeder' }),
        onCrash
      })
      await progress.start()
      await owner.start()
      await templateCatalog.start()
      await templatePauser.start()
      await server.listen({ port: config.CAMPAIGNS_PORT, host: config.CAMPAIGNS_HOST })
      isStarted = true
      logger.info({ url: app.url, groupId: config.CAMPAIGNS_GROUP_ID }, 'campaigns started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      clearInterval(numbersTimer)
      templatePauser.stop()
      // No new releases; leave the group so another instance takes the partitions.
      await owner.stop()
      await templateCatalog.stop()
      await progress.stop()
      await feeder?.stop()
      await Promise.all([view.stop(), suppressions.stop(), reachGuard?.stop(), numbersView?.stop()])
      await producer.stop()
      await graph?.stop()
      await server.close()
      await admin.disconnect()
      logger.info('campaigns stopped')
    }
  }
  return app
}
