import { createCustomerWindows, type CustomerWindows } from './customer-windows.ts'
import { createFaultInjector, type FaultInjector } from './faults.ts'
import type { LatencyDistribution } from './latency.ts'
import { silentLogger, type SimLogger } from './logger.ts'
import { createMarketingPreferences, type MarketingPreferences } from './marketing-preferences.ts'
import { createMediaStore, type MediaStore } from './media-store.ts'
import { createMessagingLimits, type MessagingLimits } from './messaging-limits.ts'
import type { GraphApiSimOptions } from './options.ts'
import { createPricingLedger, type PricingLedger } from './pricing-analytics.ts'
import { createPairRateLimiter, type PairRateLimiter, type PairRateOptions } from './pair-rate-limiter.ts'
import { createPhoneNumberRegistry, type PhoneNumberRegistry } from './phone-numbers.ts'
import { createRecorder, type Recorder } from './recorder.ts'
import { createStatusScheduler, DEFAULT_STATUS_OPTIONS, type StatusOptions, type StatusScheduler } from './status-scheduler.ts'
import { createTemplateCatalogue, DEFAULT_TEMPLATES, type TemplateCatalogue } from './templates.ts'
import { createThroughputLimiter, type ThroughputLimiter } from './throughput-limiter.ts'
import { createTimerQueue, type TimerQueue } from './timer-queue.ts'
import { createUpgrades, type Upgrades } from './upgrades.ts'
import { createUsageTracker, type UsageTracker } from './usage-tracker.ts'
import { createWebhookSender, DEFAULT_WEBHOOK_OPTIONS, type WebhookSender } from './webhook-sender.ts'

/** Settings that may change at run time. */
export interface SimSettings {
  defaultMps: number
  strictPhoneNumbers: boolean
  latency: LatencyDistribution
  statuses: StatusOptions
  pairRate: PairRateOptions | false
  /** Past a portfolio's messaging limit: accept and fail the status with 131048, or refuse with 131048. */
  messagingLimitMode: 'fail' | 'refuse'
  /** Fail marketing templates to US numbers with 131049, as Meta does. */
  blockUsMarketing: boolean
  /** Answer 131047 to a non-template send to a user whose 24 h customer service window with the number is closed. */
  enforceWindows: boolean
  /** New templates added through the control start PENDING and are approved after this long; undefined: kept as given. */
  templateApprovalMs: number | undefined
}

/** Everything the request handlers share: settings, limiters, records and the webhook pipeline. */
export interface SimContext {
  now: () => number
  random: () => number
  logger: SimLogger
  settings: SimSettings
  phones: PhoneNumberRegistry
  limiter: ThroughputLimiter
  pairLimiter: PairRateLimiter
  recorder: Recorder
  faults: FaultInjector
  usage: UsageTracker
  media: MediaStore
  timers: TimerQueue
  statuses: StatusScheduler
  /** Undefined when no webhook URL is configured. */
  webhooks: WebhookSender | undefined
  /** Releases held (timed-out) requests; called on stop. */
  holds: Set<() => void>
  /** Numbers in a throughput upgrade (answering 131057). */
  upgrades: Upgrades
  /** WABA → portfolio, tiers, and the unique users each portfolio reached in the last 24 h. */
  limits: MessagingLimits
  /** Customer service windows opened by inbound messages. */
  windows: CustomerWindows
  /** Marketing opt-outs (131050) and users at the per-user marketing limit (131049). */
  marketing: MarketingPreferences
  templates: TemplateCatalogue
  /** Messages with pricing, as the status webhooks told them (GET /{waba}?fields=pricing_analytics…). */
  pricing: PricingLedger
}

/** Builds the context; creates no sockets or timers until used. */
export function createSimContext (options: GraphApiSimOptions): SimContext {
  const logger = options.logger ?? silentLogger
  const random = options.random ?? Math.random
  const now = options.now ?? Date.now
  const settings: SimSettings = {
    defaultMps: options.defaultMps ?? 80,
    strictPhoneNumbers: options.strictPhoneNumbers ?? false,
    latency: options.latency ?? { kind: 'fixed', ms: 0 },
    statuses: { ...DEFAULT_STATUS_OPTIONS, ...options.statuses },
    pairRate: options.pairRate ?? { periodMs: 6000, burst: 45 },
    messagingLimitMode: options.messagingLimitMode ?? 'fail',
    blockUsMarketing: options.blockUsMarketing ?? true,
    enforceWindows: options.enforceWindows ?? false,
    templateApprovalMs: options.templateApprovalMs
  }
  if (options.webhookUrl !== undefined && !options.appSecret) {
    throw Object.assign(new Error('appSecret is required with webhookUrl'), { code: 'SIM_CONFIG_INVALID' })
  }
  const webhooks = options.webhookUrl === undefined
    ? undefined
    : createWebhookSender({ url: options.webhookUrl, appSecret: options.appSecret as string, options: { ...DEFAULT_WEBHOOK_OPTIONS, ...options.webhook }, logger })
  const timers = createTimerQueue((err) => logger.error({ err }, 'scheduled webhook failed'))
  const pricing = createPricingLedger(options.rateCardDir)
  const ctx: SimContext = {
    now,
    random,
    logger,
    settings,
    phones: createPhoneNumberRegistry(options.phoneNumbers ?? {}, () => settings.defaultMps),
    limiter: createThroughputLimiter(1000),
    pairLimiter: createPairRateLimiter(settings.pairRate === false ? { periodMs: 6000, burst: 45 } : settings.pairRate),
    recorder: createRecorder(options.maxRecords ?? 500_000),
    faults: createFaultInjector(random),
    usage: createUsageTracker(options.appCallsPerHour ?? 1_000_000),
    media: createMediaStore(options.mediaUrlTtlMs === undefined ? {} : { urlTtlMs: options.mediaUrlTtlMs }),
    timers,
    statuses: createStatusScheduler({ options: () => settings.statuses, timers, now, random, emit: (e) => { pricing.note(e); webhooks?.enqueue(e) } }),
    webhooks,
    holds: new Set(),
    upgrades: createUpgrades(),
    limits: createMessagingLimits({
      ...(options.portfolios === undefined ? {} : { portfolios: options.portfolios }),
      ...(options.messagingTiers === undefined ? {} : { tiers: options.messagingTiers }),
      ...(options.defaultMessagingTier === undefined ? {} : { defaultTier: options.defaultMessagingTier })
    }),
    windows: createCustomerWindows(),
    marketing: createMarketingPreferences(),
    templates: createTemplateCatalogue([...(options.defaultTemplates === false ? [] : DEFAULT_TEMPLATES), ...(options.templates ?? [])]),
    pricing
  }
  ctx.faults.set(options.faults ?? [])
  for (const phone of ctx.phones.list()) ctx.limits.noteWaba(phone.wabaId)
  for (const wabaId of ctx.templates.wabaIds()) ctx.limits.noteWaba(wabaId)
  return ctx
}
