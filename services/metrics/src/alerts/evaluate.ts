import { alertKey, applyAlert, expireAlerts, retireAlerts } from './alert-state.ts'
import { isMessagingLimitRule, messagingLimitRules, rateLimitRule, throughputRule, usageRule, WEBHOOK_ALERTS, type AlertThresholds, type PortfolioLimit } from './rules.ts'
import { sumRecent, type MergedContext } from './context.ts'
import { createPortfolios, type Portfolios } from './portfolios.ts'
import type { PartitionState } from '../state/partition-state.ts'

export interface EvaluateConfig {
  thresholds: AlertThresholds
  /** Window of the send rate, ms. */
  rateWindowMs: number
  /** Window of the rate-limit error count, ms. */
  rateLimitWindowMs: number
  defaultMps: number
  mpsOverrides: Readonly<Record<string, number>>
  /** Messaging limits by portfolio or WABA id, from config (they win over webhooks). */
  messagingLimits: Readonly<Record<string, number>>
  /** Messaging limit of a portfolio neither config nor a webhook names. */
  defaultMessagingLimit: number | undefined
  /** WABA → business portfolio (WA_PHONE_WABAS, WA_WABA_PORTFOLIOS); default: every WABA its own portfolio. */
  portfolios?: Portfolios
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

/** One business portfolio's messaging limit and the unique users counted against it (gauges, tests). */
export interface PortfolioGauge {
  portfolioId: string
  wabaIds: string[]
  uniqueUsers: number
  /** Infinity = unlimited; undefined = unknown (no alert). */
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

const NO_PORTFOLIOS = createPortfolios()

/**
 * Unique users per portfolio, Meta's way: users reached by a template outside their customer
 * service window (`ctx.reach.byPortfolio`, summed over the partitions' owners).
 */
export function portfolioReach (ctx: MergedContext): Map<string, number> {
  return new Map(ctx.reach.byPortfolio)
}

/** Every portfolio the service knows and its WABAs: from config, numbers, tier webhooks and the reach counts. */
export function knownPortfolios (ctx: MergedContext, portfolios: Portfolios, reach: ReadonlyMap<string, number>): Map<string, string[]> {
  const wabas = new Set<string>(portfolios.configuredWabas().keys())
  for (const n of ctx.numbers.values()) if (n.wabaId !== '') wabas.add(n.wabaId)
  for (const w of ctx.tiers.keys()) wabas.add(w)
  for (const w of ctx.reach.byWaba.keys()) wabas.add(w)
  const out = new Map<string, string[]>()
  for (const w of wabas) {
    const p = portfolios.portfolioOf(w)
    const list = out.get(p)
    if (list) list.push(w)
    else out.set(p, [w])
  }
  for (const p of reach.keys()) if (!out.has(p)) out.set(p, [])
  for (const list of out.values()) list.sort()
  return out
}

const maxOf = (values: Array<number | undefined>) => values.reduce<number | undefined>((m, v) => v === undefined ? m : m === undefined ? v : Math.max(m, v), undefined)

/**
 * A portfolio's messaging limit: METRICS_MESSAGING_LIMITS for the portfolio, else the highest
 * configured for one of its WABAs, else the highest tier a webhook announced for one of its WABAs
 * (Meta gives a portfolio the highest limit of its numbers, and limits only rise since Oct 2025),
 * else METRICS_DEFAULT_MESSAGING_LIMIT.
 */
export function portfolioLimit (portfolioId: string, wabaIds: readonly string[], ctx: MergedContext, cfg: EvaluateConfig): { limit: number | undefined, source: PortfolioLimit['source'] } {
  const configured = cfg.messagingLimits[portfolioId] ?? maxOf(wabaIds.map((w) => cfg.messagingLimits[w]))
  if (configured !== undefined) return { limit: configured, source: 'config' }
  const announced = maxOf(wabaIds.map((w) => ctx.tiers.get(w)))
  if (announced !== undefined) return { limit: announced, source: 'webhook' }
  return { limit: cfg.defaultMessagingLimit, source: 'default' }
}

/**
 * Per-portfolio messaging-limit rules (one per configured share), evaluated by the owner of the
 * events partition the portfolio id hashes to; per-WABA gauges by the owner of the WABA's; webhook
 * alert expiry. Messaging-limit alerts of this partition no rule evaluates any more (a share or a
 * portfolio taken out of the configuration, the per-WABA scope of earlier versions) resolve.
 */
export function evaluateEventsPartition (state: PartitionState, ctx: MergedContext, cfg: EvaluateConfig, owners: Owners, now: number): WabaGauge[] {
  expireAlerts(state, WEBHOOK_ALERT_NAMES, cfg.eventAlertTtlMs, now)
  const portfolios = cfg.portfolios ?? NO_PORTFOLIOS
  const reach = portfolioReach(ctx)
  const known = knownPortfolios(ctx, portfolios, reach)
  const evaluated = new Set<string>()
  const gauges: WabaGauge[] = []
  for (const [portfolioId, wabaIds] of known) {
    const { limit, source } = portfolioLimit(portfolioId, wabaIds, ctx, cfg)
    for (const waba of wabaIds) {
      if (owners.eventsPartitionOf(waba) === state.partition) gauges.push({ wabaId: waba, uniqueCustomers: ctx.reach.byWaba.get(waba) ?? 0, limit })
    }
    if (owners.eventsPartitionOf(portfolioId) !== state.partition) continue
    // Unlimited or unknown: nothing to approach, so any firing alert resolves.
    const finite = limit !== undefined && Number.isFinite(limit)
    const users = reach.get(portfolioId) ?? 0
    for (const rule of messagingLimitRules({ portfolioId, wabaIds, limit: finite ? limit : Number.MAX_SAFE_INTEGER, source }, cfg.thresholds)) {
      evaluated.add(alertKey(rule.name, rule.scope))
      applyAlert(state, rule, finite ? users : 0, now)
    }
  }
  retireAlerts(state, isMessagingLimitRule, evaluated, now, 'no longer evaluated: the portfolio, its WABA mapping or the alert shares changed')
  return gauges
}

/** Per-portfolio figures of every known portfolio (for gauges and the lead's reach code). */
export function portfolioGauges (ctx: MergedContext, cfg: EvaluateConfig): PortfolioGauge[] {
  const portfolios = cfg.portfolios ?? NO_PORTFOLIOS
  const reach = portfolioReach(ctx)
  return [...knownPortfolios(ctx, portfolios, reach)].map(([portfolioId, wabaIds]) => ({ portfolioId, wabaIds, uniqueUsers: reach.get(portfolioId) ?? 0, limit: portfolioLimit(portfolioId, wabaIds, ctx, cfg).limit }))
}
