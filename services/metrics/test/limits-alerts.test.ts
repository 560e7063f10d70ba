import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MergedContext, NumberInfo } from '../src/alerts/context.ts'
import { evaluateEventsPartition, portfolioGauges, portfolioLimit, portfolioReach, type EvaluateConfig, type Owners } from '../src/alerts/evaluate.ts'
import { createPortfolios } from '../src/alerts/portfolios.ts'
import { messagingLimitRules, messagingLimitShares } from '../src/alerts/rules.ts'
import { limitLabel, parseMessagingLimit, throughputOfLevel } from '../src/alerts/tiers.ts'
import { loadConfig } from '../src/config.ts'
import { toEvaluateConfig, toPortfolios } from '../src/settings.ts'
import { createPartitionState, type PartitionState } from '../src/state/partition-state.ts'
import { T0 } from './fixtures/scenario.ts'

// The messaging limit as Meta counts it (issue 17): per business portfolio (WABA → portfolio from
// WA_PHONE_WABAS / WA_WABA_PORTFOLIOS), against the portfolio's tier, at configurable shares.

const W1 = '201'
const W2 = '202'
const W3 = '203'
const P = 'P1'
const portfolios = createPortfolios({ phoneWabas: { 9001: W1, 9002: W2 }, wabaPortfolios: { [W1]: P, [W2]: P } })

const cfg: EvaluateConfig = {
  thresholds: { throughputPct: 90, throughputForMs: 0, rateLimitErrors: 3, usagePct: 80, messagingLimitPct: [80, 95] },
  rateWindowMs: 2000,
  rateLimitWindowMs: 60_000,
  defaultMps: 80,
  mpsOverrides: {},
  messagingLimits: {},
  defaultMessagingLimit: undefined,
  eventAlertTtlMs: 60 * 60_000,
  portfolios
}
const owners: Owners = { resultsPartitionOf: () => 0, eventsPartitionOf: () => 0 }

/** A context as the reach code hands it over. */
function context (o: { tiers?: Record<string, number>, byWaba?: Record<string, number>, byPortfolio?: Record<string, number>, numbers?: Record<string, string> }): MergedContext {
  const numbers = new Map<string, NumberInfo>(Object.entries(o.numbers ?? {}).map(([pn, waba]) => [pn, { wabaId: waba, display: `1555${pn}` }]))
  const reach = { byNumber: new Map<string, number>(), byWaba: new Map(Object.entries(o.byWaba ?? {})), byPortfolio: new Map(Object.entries(o.byPortfolio ?? {})) }
  return { numbers, rateLimitErrors: new Map(), mpsUpgrades: new Map(), tiers: new Map(Object.entries(o.tiers ?? {})), reach }
}

const fired = (state: PartitionState) => state.alerts.map((a) => `${a.name}:${a.scope}:${a.state}:${a.value}`)

test('portfolios: WABA → portfolio from WA_WABA_PORTFOLIOS, else the WABA itself; a number through WA_PHONE_WABAS, else what webhooks taught', () => {
  assert.equal(portfolios.portfolioOf(W1), P)
  assert.equal(portfolios.portfolioOf(W3), W3)
  assert.equal(portfolios.phonePortfolio('9001', () => undefined), P)
  assert.equal(portfolios.phonePortfolio('9003', (pn) => pn === '9003' ? W3 : undefined), W3)
  assert.equal(portfolios.phonePortfolio('9004', () => undefined), undefined)
  assert.deepEqual([...portfolios.configuredWabas()], [[W1, P], [W2, P]])
  const fromEnv = toPortfolios(loadConfig({ WA_PHONE_WABAS: '9001=201', WA_WABA_PORTFOLIOS: '201=P1,202=P1' }))
  assert.equal(fromEnv.portfolioOf('202'), 'P1')
  assert.equal(fromEnv.phonePortfolio('9001', () => undefined), 'P1')
})

test('config: METRICS_MESSAGING_LIMIT_ALERT_PCT is a list (one number still accepted), sorted; limits by portfolio or WABA', () => {
  assert.deepEqual(toEvaluateConfig(loadConfig({})).thresholds.messagingLimitPct, [80, 95])
  assert.deepEqual(toEvaluateConfig(loadConfig({ METRICS_MESSAGING_LIMIT_ALERT_PCT: '95, 50,80' })).thresholds.messagingLimitPct, [50, 80, 95])
  assert.deepEqual(toEvaluateConfig(loadConfig({ METRICS_MESSAGING_LIMIT_ALERT_PCT: '90' })).thresholds.messagingLimitPct, [90])
  assert.throws(() => loadConfig({ METRICS_MESSAGING_LIMIT_ALERT_PCT: '80,150' }), /METRICS_MESSAGING_LIMIT_ALERT_PCT/)
  assert.throws(() => loadConfig({ METRICS_MESSAGING_LIMIT_ALERT_PCT: 'high' }), /METRICS_MESSAGING_LIMIT_ALERT_PCT/)
  const limits = toEvaluateConfig(loadConfig({ METRICS_MESSAGING_LIMITS: 'P1=TIER_10K,201=2000,203=UNLIMITED' })).messagingLimits
  assert.deepEqual(limits, { P1: 10_000, 201: 2000, 203: Infinity })
  assert.throws(() => loadConfig({ METRICS_MESSAGING_LIMITS: 'P1=TIER_HUGE' }), /METRICS_MESSAGING_LIMITS/)
})

test('tiers: both forms of max_daily_conversations_per_business, -1 and UNLIMITED, TIER_NOT_SET and unknown values', () => {
  assert.equal(parseMessagingLimit('TIER_2K'), 2000)
  assert.equal(parseMessagingLimit(2000), 2000)
  assert.equal(parseMessagingLimit('10000'), 10_000)
  assert.equal(parseMessagingLimit(-1), Infinity)
  assert.equal(parseMessagingLimit('UNLIMITED'), Infinity)
  assert.equal(parseMessagingLimit('TIER_UNLIMITED'), Infinity)
  assert.equal(parseMessagingLimit(5000), 5000, 'a configured count that is no tier')
  assert.equal(parseMessagingLimit('TIER_NOT_SET'), undefined)
  assert.equal(parseMessagingLimit('TIER_5M'), undefined)
  assert.equal(parseMessagingLimit(null), undefined)
  assert.equal(parseMessagingLimit(0), undefined)
  assert.deepEqual([limitLabel(2000), limitLabel(Infinity), limitLabel(5000), limitLabel(undefined)], ['TIER_2K', 'TIER_UNLIMITED', '5000', 'unknown'])
  assert.deepEqual([throughputOfLevel('HIGH'), throughputOfLevel('standard'), throughputOfLevel('NOT_APPLICABLE'), throughputOfLevel(3)], [1000, 80, undefined, undefined])
})

test('rules: one per share, near at the lowest, critical at the highest, near_{pct} between; each resolves 10 points below its share', () => {
  const rules = messagingLimitRules({ portfolioId: P, wabaIds: [W1, W2], limit: 1000, source: 'webhook' }, { ...cfg.thresholds, messagingLimitPct: [95, 50, 80] })
  assert.deepEqual(rules.map((r) => [r.name, r.severity, r.scope, r.fireAt, r.resolveBelow, r.labels!.share_pct]), [
    ['messaging_limit_near', 'warning', 'portfolio:P1', 500, 400, '50'],
    ['messaging_limit_near_80', 'warning', 'portfolio:P1', 800, 700, '80'],
    ['messaging_limit_critical', 'critical', 'portfolio:P1', 950, 850, '95']
  ])
  assert.equal(rules[0]!.wabaId, null, 'a portfolio of two WABAs names none')
  assert.deepEqual(messagingLimitShares({ ...cfg.thresholds, messagingLimitPct: 80 }), [80])
  assert.equal(messagingLimitRules({ portfolioId: W3, wabaIds: [W3], limit: 250, source: 'default' }, cfg.thresholds)[0]!.wabaId, W3)
})

test('the portfolio limit: config for the portfolio, else the highest configured for a WABA, else the highest webhook tier, else the default', () => {
  const ctx = context({ tiers: { [W1]: 2000, [W2]: 10_000 } })
  assert.deepEqual(portfolioLimit(P, [W1, W2], ctx, cfg), { limit: 10_000, source: 'webhook' })
  assert.deepEqual(portfolioLimit(P, [W1, W2], ctx, { ...cfg, messagingLimits: { [W1]: 250 } }), { limit: 250, source: 'config' })
  assert.deepEqual(portfolioLimit(P, [W1, W2], ctx, { ...cfg, messagingLimits: { [W1]: 250, [P]: 100_000 } }), { limit: 100_000, source: 'config' })
  assert.deepEqual(portfolioLimit(W3, [W3], ctx, { ...cfg, defaultMessagingLimit: 250 }), { limit: 250, source: 'default' })
  assert.deepEqual(portfolioLimit(W3, [W3], ctx, cfg), { limit: undefined, source: 'default' })
})

test('unique users per portfolio are ctx.reach.byPortfolio, not the WABAs\' counts summed', () => {
  assert.deepEqual([...portfolioReach(context({ byWaba: { [W1]: 5, [W2]: 7 }, byPortfolio: { [P]: 9 } }))], [[P, 9]])
})

test('alerts per portfolio at 80% and 95% of the tier: near, then critical; hysteresis as today; the WABAs of a portfolio share one count', () => {
  const state = createPartitionState('e', 0)
  const evaluate = (users: number, now: number, tiers: Record<string, number> = { [W1]: 1000 }) =>
    evaluateEventsPartition(state, context({ tiers, byPortfolio: { [P]: users }, byWaba: { [W1]: users } }), cfg, owners, now)
  evaluate(799, T0)
  assert.deepEqual(fired(state), [])
  const gauges = evaluate(800, T0 + 1)
  assert.deepEqual(fired(state), ['messaging_limit_near:portfolio:P1:firing:800'])
  assert.deepEqual(gauges, [{ wabaId: W1, uniqueCustomers: 800, limit: 1000 }, { wabaId: W2, uniqueCustomers: 0, limit: 1000 }])
  const near = state.alerts[0]!
  assert.equal(near.severity, 'warning')
  assert.deepEqual(near.labels, { portfolio_id: P, waba_ids: `${W1},${W2}`, messaging_limit: '1000', limit_source: 'webhook', share_pct: '80' })
  assert.match(near.message, /business portfolio P1 reached 800 unique users .*80% of its 1000 limit/)
  evaluate(950, T0 + 2)
  assert.equal(fired(state)[1], 'messaging_limit_critical:portfolio:P1:firing:950')
  assert.equal(state.alerts[1]!.severity, 'critical')
  state.alerts = []
  // 860: above the critical's resolve line (85%); 849: critical resolves, near stays (above 70%).
  evaluate(860, T0 + 3)
  assert.deepEqual(fired(state), [])
  evaluate(849, T0 + 4)
  assert.deepEqual(fired(state), ['messaging_limit_critical:portfolio:P1:resolved:849'])
  evaluate(699, T0 + 5)
  assert.deepEqual(fired(state), ['messaging_limit_critical:portfolio:P1:resolved:849', 'messaging_limit_near:portfolio:P1:resolved:699'])
  state.alerts = []
  // The tier rises to unlimited: nothing to approach, so a firing alert resolves.
  evaluate(900, T0 + 6)
  evaluate(900, T0 + 7, { [W1]: Infinity })
  assert.deepEqual(fired(state), ['messaging_limit_near:portfolio:P1:firing:900', 'messaging_limit_near:portfolio:P1:resolved:0'])
})

test('the portfolio\'s owner partition evaluates it', () => {
  const state = createPartitionState('e', 1)
  const split: Owners = { resultsPartitionOf: () => 0, eventsPartitionOf: (id) => id === P ? 1 : 0 }
  const ctx = context({ tiers: { [W2]: 250 }, byWaba: { [W1]: 150, [W2]: 60 }, byPortfolio: { [P]: 210 }, numbers: { 9001: W1 } })
  const gauges = evaluateEventsPartition(state, ctx, cfg, split, T0)
  assert.deepEqual(fired(state), ['messaging_limit_near:portfolio:P1:firing:210'])
  assert.deepEqual(gauges, [], 'the WABAs\' gauges belong to partition 0')
  const other = createPartitionState('e', 0)
  evaluateEventsPartition(other, ctx, cfg, split, T0)
  assert.deepEqual(fired(other), [])
  assert.deepEqual(portfolioGauges(ctx, cfg), [{ portfolioId: P, wabaIds: [W1, W2], uniqueUsers: 210, limit: 250 }])
})

test('alerts no rule evaluates any more resolve: a share dropped from the config, and the per-WABA scope of earlier versions', () => {
  const state = createPartitionState('e', 0)
  const ctx = context({ tiers: { [W1]: 1000 }, byPortfolio: { [P]: 960 } })
  evaluateEventsPartition(state, ctx, { ...cfg, thresholds: { ...cfg.thresholds, messagingLimitPct: [80, 90, 95] } }, owners, T0)
  assert.deepEqual(state.alerts.map((a) => a.name), ['messaging_limit_near', 'messaging_limit_near_90', 'messaging_limit_critical'])
  // A firing alert of the earlier per-WABA rule, as an older version left it in the state.
  const legacy = { ...state.alerts[0]!, alert_id: `messaging_limit_near:waba:${W1}:${T0}`, scope: `waba:${W1}`, waba_id: W1 }
  state.props.set(`a|messaging_limit_near|waba:${W1}`, JSON.stringify({ phase: 'firing', since: T0, seenAt: T0, alert: legacy }))
  state.alerts = []
  evaluateEventsPartition(state, ctx, cfg, owners, T0 + 1000)
  assert.deepEqual(fired(state).sort(), [`messaging_limit_near:waba:${W1}:resolved:0`, 'messaging_limit_near_90:portfolio:P1:resolved:0'])
  assert.equal(state.props.has(`a|messaging_limit_near|waba:${W1}`), false)
  assert.equal(state.props.has('a|messaging_limit_near|portfolio:P1'), true)
})
