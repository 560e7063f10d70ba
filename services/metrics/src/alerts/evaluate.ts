import { applyAlert, expireAlerts } from './alert-state.ts'
import { messagingLimitRule, rateLimitRule, throughputRule, usageRule, WEBHOOK_ALERTS, type AlertThresholds } from './rules.ts'
import { sumRecent, type MergedContext } from './context.ts'
import type { PartitionState } from '../state/partition-state.ts'

export interface EvaluateConfig {
  thresholds: AlertThresholds
  /** Window of the send rate, ms. */
  rateWindowMs: number
  /** Window of the rate-limit error count, ms. */
  rateLimitWindowMs: number
  defaultMps: number
  mpsOverrides: Readonly<Record<string, number>>
  /** Messaging limits by WABA id, from config (they win over webhooks). */
  messagingLimits: Readonly<Record<string, number>>
  defaultMessagingLimit: number | undefined
  /** Webhook alerts no webhook confirmed for this long resolve, ms. */
  eventAlertTtlMs: number
}

/** Which partition owns a number's and a WABA's alerts (the partition their key hashes to). */
export interface Owners {
  resultsPartitionOf(phoneNumberId: string): number
  eventsPartitionOf(wabaId: string): number
}

export interface NumberGauge {
  phoneNumberId: string
  wabaId: string
  sendRate: number
  limit: number
  usagePct: number
  uniqueCustomers: number
}

export interface WabaGauge {
  wabaId: string
  uniqueCustomers: number
  limit: number | undefined
}

/** A usage header older than this no longer describes the rolling hour Meta reports on. */
const USAGE_FRESH_MS = 60 * 60 * 1000
const WEBHOOK_ALERT_NAMES: ReadonlySet<string> = new Set(Object.keys(WEBHOOK_ALERTS))

export function limitOf (phoneNumberId: string, ctx: MergedContext, cfg: EvaluateConfig): number {
  const display = ctx.numbers.get(phoneNumberId)?.display
  return cfg.mpsOverrides[phoneNumberId] ??
    (display ? ctx.mpsUpgrades.get(display) : undefined) ??
    ctx.mpsUpgrades.get(phoneNumberId) ??
    cfg.defaultMps
}

/** Per-number rules, evaluated by the owner of the results partition the number's key hashes to. */
export function evaluateResultsPartition (state: PartitionState, ctx: MergedContext, cfg: EvaluateConfig, owners: Owners, now: number): NumberGauge[] {
  const sent = sumRecent([state], 'send', now, cfg.rateWindowMs)
  const gauges: NumberGauge[] = []
  for (const [pn, info] of ctx.numbers) {
    if (owners.resultsPartitionOf(pn) !== state.partition) continue
    const waba = info.wabaId || null
    const limit = limitOf(pn, ctx, cfg)
    const rate = (sent.get(pn) ?? 0) / (cfg.rateWindowMs / 1000)
    applyAlert(state, throughputRule(pn, waba, limit, cfg.thresholds), rate, now)
    applyAlert(state, rateLimitRule(pn, waba, cfg.rateLimitWindowMs, cfg.thresholds), ctx.rateLimitErrors.get(pn) ?? 0, now)
    const raw = state.props.get(`x|usage|${pn}`)
    const usage = raw === undefined ? undefined : JSON.parse(raw) as { pct: number, ids: string[], at: number }
    const pct = usage && now - usage.at < USAGE_FRESH_MS ? usage.pct : 0
    applyAlert(state, usageRule(pn, waba, usage?.ids ?? [], cfg.thresholds), pct, now)
    gauges.push({ phoneNumberId: pn, wabaId: info.wabaId, sendRate: rate, limit, usagePct: pct, uniqueCustomers: ctx.reach.byNumber.get(pn) ?? 0 })
  }
  return gauges
}

/** Per-WABA rules, evaluated by the owner of the events partition the WABA id hashes to; webhook alert expiry. */
export function evaluateEventsPartition (state: PartitionState, ctx: MergedContext, cfg: EvaluateConfig, owners: Owners, now: number): WabaGauge[] {
  expireAlerts(state, WEBHOOK_ALERT_NAMES, cfg.eventAlertTtlMs, now)
  const wabas = new Set([...ctx.numbers.values()].map((n) => n.wabaId).filter((w) => w !== ''))
  for (const w of ctx.tiers.keys()) wabas.add(w)
  const gauges: WabaGauge[] = []
  for (const waba of wabas) {
    if (owners.eventsPartitionOf(waba) !== state.partition) continue
    const limit = cfg.messagingLimits[waba] ?? ctx.tiers.get(waba) ?? cfg.defaultMessagingLimit
    const unique = ctx.reach.byWaba.get(waba) ?? 0
    // Unlimited or unknown: nothing to approach, so any firing alert resolves.
    const finite = limit !== undefined && Number.isFinite(limit)
    applyAlert(state, messagingLimitRule(waba, finite ? limit : Number.MAX_SAFE_INTEGER, cfg.thresholds), finite ? unique : 0, now)
    gauges.push({ wabaId: waba, uniqueCustomers: unique, limit })
  }
  return gauges
}
