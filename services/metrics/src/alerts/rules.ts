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
  /** Unique customers, percent of the messaging limit, that fire messaging_limit_near. */
  messagingLimitPct: number
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

export function messagingLimitRule (wabaId: string, limit: number, t: AlertThresholds): AlertRule {
  return {
    name: 'messaging_limit_near',
    scope: `waba:${wabaId}`,
    severity: 'warning',
    fireAt: limit * t.messagingLimitPct / 100,
    resolveBelow: limit * (t.messagingLimitPct - RESOLVE_MARGIN_PCT) / 100,
    forMs: 0,
    wabaId,
    labels: { messaging_limit: String(limit) },
    message: (v) => `WABA ${wabaId} reached ${v} unique customers in 24 h of its ${limit} limit`
  }
}

/** Webhook alerts: fire on the webhook that reports the condition, resolve on one that clears it (or after a TTL). */
export const WEBHOOK_ALERTS: Record<string, AlertSeverity> = {
  phone_quality_red: 'critical',
  account_restriction: 'critical',
  account_violation: 'critical',
  template_paused: 'warning',
  template_disabled: 'critical',
  template_rejected: 'warning',
  template_quality_red: 'warning'
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
