import type { AlertSeverity } from '@wabridge/schemas'
import type { AlertRule } from './machine.ts'

/** Thresholds of the traffic alerts (from config). */
export interface AlertThresholds {
  /** Send rate, percent of the number's limit, that fires throughput_near_limit. */
  throughputPct: number
  /** How long the send rate must stay there, ms. */
  throughputForMs: number
  /** Rate-limit errors within the window that fire rate_limit_errors. */
  rateLimitErrors: number
  /** x-business-use-case-usage percent that fires business_usage_high. */
  usagePct: number
  /**
   * Shares of a portfolio's messaging limit, percent, each firing one rule (METRICS_MESSAGING_LIMIT_ALERT_PCT):
   * the lowest messaging_limit_near, the highest messaging_limit_critical, any between messaging_limit_near_{pct}.
   * One number is one share.
   */
  messagingLimitPct: number | readonly number[]
}

/** Hysteresis of the percentage rules: resolve 10 points below the threshold. */
const RESOLVE_MARGIN_PCT = 10

const round = (n: number) => Math.round(n * 100) / 100

export function throughputRule (phoneNumberId: string, wabaId: string | null, limit: number, t: AlertThresholds): AlertRule {
  return {
    name: 'throughput_near_limit',
    scope: `phone_number:${phoneNumberId}`,
    severity: 'warning',
    fireAt: limit * t.throughputPct / 100,
    resolveBelow: limit * (t.throughputPct - RESOLVE_MARGIN_PCT) / 100,
    forMs: t.throughputForMs,
    phoneNumberId,
    wabaId,
    labels: { limit_per_second: String(limit) },
    message: (v) => `phone number ${phoneNumberId} sends ${round(v)} msg/s of its ${limit} msg/s limit`
  }
}

export function rateLimitRule (phoneNumberId: string, wabaId: string | null, windowMs: number, t: AlertThresholds): AlertRule {
  return {
    name: 'rate_limit_errors',
    scope: `phone_number:${phoneNumberId}`,
    severity: 'warning',
    fireAt: t.rateLimitErrors,
    resolveBelow: t.rateLimitErrors / 2,
    forMs: 0,
    phoneNumberId,
    wabaId,
    labels: { window_ms: String(windowMs), codes: '130429,131056,4,80007,131048' },
    message: (v) => `phone number ${phoneNumberId} got ${v} rate-limit errors in the last ${windowMs / 1000} s`
  }
}

export function usageRule (phoneNumberId: string, wabaId: string | null, ids: string[], t: AlertThresholds): AlertRule {
  return {
    name: 'business_usage_high',
    scope: `phone_number:${phoneNumberId}`,
    severity: 'warning',
    fireAt: t.usagePct,
    resolveBelow: t.usagePct - RESOLVE_MARGIN_PCT,
    forMs: 0,
    phoneNumberId,
    wabaId,
    labels: { business_ids: ids.join(',') },
    message: (v) => `x-business-use-case-usage at ${v}% on responses for phone number ${phoneNumberId}`
  }
}

/** The messaging-limit shares, ascending and distinct. */
export function messagingLimitShares (t: AlertThresholds): number[] {
  const pcts = typeof t.messagingLimitPct === 'number' ? [t.messagingLimitPct] : t.messagingLimitPct
  return [...new Set(pcts)].sort((a, b) => a - b)
}

/** Rule name of each share: the lowest near (warning), the highest critical, any between near_{pct} (warning). */
function shareRuleName (pct: number, shares: readonly number[]): { name: string, severity: AlertSeverity } {
  if (pct === shares[0]) return { name: 'messaging_limit_near', severity: 'warning' }
  if (pct === shares[shares.length - 1]) return { name: 'messaging_limit_critical', severity: 'critical' }
  return { name: `messaging_limit_near_${String(pct).replace('.', '_')}`, severity: 'warning' }
}

/** What a portfolio's messaging-limit rules describe. */
export interface PortfolioLimit {
  portfolioId: string
  /** Its WABAs known to the service (config, webhooks, numbers), sorted. */
  wabaIds: readonly string[]
  /** Unique users a finite limit allows in 24 h. */
  limit: number
  /** Where the limit came from: config, webhook or default. */
  source: 'config' | 'webhook' | 'default'
}

/**
 * One rule per share of the portfolio's messaging limit; the value is the unique users reached
 * outside a customer service window in the moving 24 h (Meta's count). Scope `portfolio:{id}`.
 */
export function messagingLimitRules (p: PortfolioLimit, t: AlertThresholds): AlertRule[] {
  const shares = messagingLimitShares(t)
  return shares.map((pct) => {
    const { name, severity } = shareRuleName(pct, shares)
    return {
      name,
      scope: `portfolio:${p.portfolioId}`,
      severity,
      fireAt: p.limit * pct / 100,
      resolveBelow: p.limit * (pct - RESOLVE_MARGIN_PCT) / 100,
      forMs: 0,
      wabaId: p.wabaIds.length === 1 ? p.wabaIds[0]! : null,
      labels: { portfolio_id: p.portfolioId, waba_ids: p.wabaIds.join(','), messaging_limit: String(p.limit), limit_source: p.source, share_pct: String(pct) },
      message: (v) => `business portfolio ${p.portfolioId} reached ${v} unique users outside the customer service window in 24 h: ${round(v * 100 / p.limit)}% of its ${p.limit} limit (alert at ${pct}%)`
    }
  })
}

/** Rule names a messaging-limit alert can have (the shares' names are derived from the config). */
export const isMessagingLimitRule = (name: string) => name.startsWith('messaging_limit_near') || name === 'messaging_limit_critical'

/**
 * Webhook alerts: fire on the webhook that reports the condition, resolve on one that clears it, or
 * after METRICS_EVENT_ALERT_TTL_MS without a webhook confirming it (info alerts: they tell of a
 * change and resolve by that TTL). README "Alerts" lists what fires and resolves each.
 */
export const WEBHOOK_ALERTS: Record<string, AlertSeverity> = {
  phone_quality_red: 'critical',
  phone_quality_medium: 'warning',
  messaging_limit_changed: 'info',
  messaging_limit_increase_blocked: 'warning',
  throughput_upgraded: 'info',
  account_restriction: 'critical',
  account_violation: 'critical',
  account_disabled: 'critical',
  account_deleted: 'critical',
  account_offboarded: 'warning',
  account_review_rejected: 'warning',
  account_alert: 'warning',
  template_paused: 'warning',
  template_disabled: 'critical',
  template_rejected: 'warning',
  template_flagged: 'warning',
  template_locked: 'warning',
  template_quality_red: 'warning',
  template_quality_medium: 'info',
  template_category_changing: 'info',
  template_category_changed: 'info'
}

export interface WebhookAlertInput {
  name: keyof typeof WEBHOOK_ALERTS
  scope: string
  wabaId: string
  phoneNumberId?: string | null
  labels?: Record<string, string>
  message: string
}

export function webhookRule (input: WebhookAlertInput): AlertRule {
  return {
    name: input.name,
    scope: input.scope,
    severity: WEBHOOK_ALERTS[input.name] ?? 'warning',
    fireAt: 1,
    resolveBelow: 1,
    forMs: 0,
    phoneNumberId: input.phoneNumberId ?? null,
    wabaId: input.wabaId,
    labels: input.labels ?? {},
    message: (v) => v >= 1 ? input.message : `cleared: ${input.message}`
  }
}
