import type { MetricsConfig } from './config.ts'
import type { EvaluateConfig } from './alerts/evaluate.ts'
import type { Retention } from './state/partition-state.ts'
import { parseMessagingLimit } from './alerts/tiers.ts'
import { createPortfolios, type Portfolios } from './alerts/portfolios.ts'

const DAY_MS = 24 * 60 * 60 * 1000

/** WABA → business portfolio from WA_PHONE_WABAS and WA_WABA_PORTFOLIOS (as services/campaigns reads them). */
export function toPortfolios (config: Pick<MetricsConfig, 'WA_PHONE_WABAS' | 'WA_WABA_PORTFOLIOS'>): Portfolios {
  return createPortfolios({ phoneWabas: config.WA_PHONE_WABAS, wabaPortfolios: config.WA_WABA_PORTFOLIOS })
}

/** Alert settings from config. */
export function toEvaluateConfig (config: MetricsConfig): EvaluateConfig {
  const limits: Record<string, number> = {}
  for (const [id, raw] of Object.entries(config.METRICS_MESSAGING_LIMITS ?? {})) limits[id] = parseMessagingLimit(raw)!
  return {
    thresholds: {
      throughputPct: config.METRICS_THROUGHPUT_ALERT_PCT,
      throughputForMs: config.METRICS_THROUGHPUT_FOR_MS,
      rateLimitErrors: config.METRICS_RATE_LIMIT_ERRORS_THRESHOLD,
      usagePct: config.METRICS_USAGE_ALERT_PCT,
      messagingLimitPct: config.METRICS_MESSAGING_LIMIT_ALERT_PCT
    },
    rateWindowMs: config.METRICS_RATE_WINDOW_MS,
    rateLimitWindowMs: config.METRICS_RATE_LIMIT_WINDOW_MS,
    defaultMps: config.METRICS_DEFAULT_MPS,
    mpsOverrides: Object.fromEntries(Object.entries(config.METRICS_MPS_OVERRIDES ?? {}).map(([k, v]) => [k, Number(v)])),
    messagingLimits: limits,
    defaultMessagingLimit: config.METRICS_DEFAULT_MESSAGING_LIMIT === undefined ? undefined : parseMessagingLimit(config.METRICS_DEFAULT_MESSAGING_LIMIT),
    eventAlertTtlMs: config.METRICS_EVENT_ALERT_TTL_MS,
    portfolios: toPortfolios(config)
  }
}

/**
 * How long entries are kept (by stream time): half-hour buckets 8 days, days 400 days (Meta's
 * analytics look back a year), months 800 days; one-second buckets just beyond the alert windows.
 */
export function toRetention (config: MetricsConfig): Retention {
  return {
    S: 2 * Math.max(config.METRICS_RATE_WINDOW_MS, config.METRICS_RATE_LIMIT_WINDOW_MS) + 60_000,
    H: 8 * DAY_MS,
    D: 400 * DAY_MS,
    M: 800 * DAY_MS,
    seen: config.METRICS_DEDUP_TTL_MS,
    reach: DAY_MS + 60 * 60 * 1000
  }
}
