import type { FaultRule } from './faults.ts'
import type { LatencyDistribution } from './latency.ts'
import type { SimLogger } from './logger.ts'
import type { PairRateOptions } from './pair-rate-limiter.ts'
import type { PhoneNumberConfig } from './phone-numbers.ts'
import type { StatusOptions } from './status-scheduler.ts'
import type { SimTemplateInput } from './templates.ts'
import type { WebhookOptions } from './webhook-sender.ts'

/** Options of createGraphApiSim; every duration is in ms. */
export interface GraphApiSimOptions {
  /** Listen address. Default '127.0.0.1'. */
  host?: string
  /**
   * Bearer token the /_sim control endpoints require (health probes excepted). Without one they are
   * open on a loopback address and refused (403) on any other.
   */
  adminToken?: string
  /** Listen port; 0 picks a free one. Default 0. */
  port?: number
  /** The clock used for limits, records and webhook timestamps (ms). Default Date.now. */
  now?: () => number
  /** Randomness for latency, faults and status shares, in [0, 1). Default Math.random. */
  random?: () => number
  /** Throughput of numbers without their own `mps`, messages/s. Default 80. */
  defaultMps?: number
  /** Per-number settings (limit, token, WABA id, display number). Other ids get defaults. */
  phoneNumbers?: Record<string, PhoneNumberConfig>
  /** Refuse ids not in `phoneNumbers` (code 100, subcode 33). Default false. */
  strictPhoneNumbers?: boolean
  /** Pair rate limit per (number, recipient); false disables it. Default { periodMs: 6000, burst: 45 }. */
  pairRate?: PairRateOptions | false
  /** Response latency. Default { kind: 'fixed', ms: 0 }. */
  latency?: LatencyDistribution
  /** Fault rules in force from the start. */
  faults?: FaultRule[]
  /** Status lifecycle (delays, read/failed shares, pricing categories). */
  statuses?: Partial<StatusOptions>
  /** Where status and inbound webhooks are POSTed; none are sent without it. */
  webhookUrl?: string
  /** App secret that signs webhooks (X-Hub-Signature-256); required with webhookUrl. */
  appSecret?: string
  /** Webhook batching and retry tuning. */
  webhook?: Partial<WebhookOptions>
  /** Calls per rolling hour that make `x-app-usage` read 100 %. Default 1,000,000. */
  appCallsPerHour?: number
  /** Records kept per kind (accepted, refused, reads, inbound); the oldest go first. Default 500,000. */
  maxRecords?: number
  /** Rate card directory (packages/pricing/README.md) pricing_analytics costs are computed with. Default the example card of @wabridge/pricing. */
  rateCardDir?: string
  /** WABA id → business portfolio id. Default: each WABA its own portfolio (derivePortfolioId). */
  portfolios?: Record<string, string>
  /** Portfolio id → messaging limit tier (TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED …). */
  messagingTiers?: Record<string, string>
  /** Tier of portfolios not in `messagingTiers`. Default TIER_UNLIMITED (no limit). */
  defaultMessagingTier?: string
  /** Past the limit: 'fail' (accept, then a failed status 131048; default) or 'refuse' (answer 131048). */
  messagingLimitMode?: 'fail' | 'refuse'
  /** Fail marketing templates to US (+1, US area code) numbers with 131049. Default true. */
  blockUsMarketing?: boolean
  /** Templates added to the catalogue (a template without `wabaId` belongs to every WABA). */
  templates?: SimTemplateInput[]
  /** New templates added through the control (without a status, or PENDING) start PENDING and are approved after this long, with the webhook. Default: kept as given. */
  templateApprovalMs?: number
  /** Answer a non-template send outside the user's 24 h customer service window with 131047 (nothing accepted). Default false. */
  enforceWindows?: boolean
  /** Start with the default catalogue (hello_world, appointment_reminder, seasonal_promotion en_US/it, verification_code). Default true. */
  defaultTemplates?: boolean
  /** How long a media download URL stays valid (then 404, as Meta's). Default 300,000 (5 min). */
  mediaUrlTtlMs?: number
  /** Logger (pino-compatible). Default silent. */
  logger?: SimLogger
}
