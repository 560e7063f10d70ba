import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldOutboundResult, foldInboundStatus } from '../src/fold/fold-record.ts'
import { collectContext, partitionReach } from '../src/alerts/context.ts'
import { evaluateEventsPartition, evaluateResultsPartition, limitOf, type EvaluateConfig, type Owners } from '../src/alerts/evaluate.ts'
import { foldInboundEvent } from '../src/fold/fold-event.ts'
import { createPartitionState, type PartitionState } from '../src/state/partition-state.ts'
import { event, PN1, result, status, WABA } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

const cfg: EvaluateConfig = {
  thresholds: { throughputPct: 90, throughputForMs: 0, rateLimitErrors: 3, usagePct: 80, messagingLimitPct: 80 },
  rateWindowMs: 2000,
  rateLimitWindowMs: 60_000,
  defaultMps: 10,
  mpsOverrides: {},
  messagingLimits: {},
  defaultMessagingLimit: undefined,
  eventAlertTtlMs: 60 * 60_000
}
const owners: Owners = { resultsPartitionOf: () => 0, eventsPartitionOf: () => 0 }

function evaluateResults (state: PartitionState, now: number, c = cfg) {
  const ctx = { ...collectContext([state], now, c.rateLimitWindowMs), reach: { byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() } }
  return evaluateResultsPartition(state, ctx, c, owners, now)
}

test('throughput: the rate over complete seconds of the window against 90% of the limit', () => {
  const state = createPartitionState('r', 0)
  for (let i = 0; i < 18; i++) foldOutboundResult(state, result({ pn: PN1, id: `a${i}`, status: 'accepted', t: T0 + i * 100 }))
  // 18 results in [T0, T0+1.8 s): at T0+2 s the window [T0, T0+2 s) holds 18 → 9/s = 90% of 10.
  const [gauge] = evaluateResults(state, T0 + 2000)
  assert.equal(gauge!.sendRate, 9)
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}`), ['throughput_near_limit:firing'])
  evaluateResults(state, T0 + 3000) // window [T0+1 s, T0+3 s): 8 results → 4/s
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}`), ['throughput_near_limit:firing', 'throughput_near_limit:resolved'])
})

test('the limit: overrides, then THROUGHPUT_UPGRADE webhooks, then the default', () => {
  const events = createPartitionState('e', 0)
  foldInboundEvent(events, event({ field: 'phone_number_quality_update', id: 'u', t: T0, value: { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE' } }))
  const statuses = createPartitionState('s', 0)
  foldInboundStatus(statuses, status({ pn: PN1, to: '1', wamid: 'w', status: 'sent', t: T0 }))
  const ctx = { ...collectContext([events, statuses], T0, 1000), reach: { byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() } }
  assert.equal(limitOf(PN1, ctx, cfg), 1000)
  assert.equal(limitOf(PN1, ctx, { ...cfg, mpsOverrides: { [PN1]: 20 } }), 20)
  assert.equal(limitOf('999', ctx, cfg), 10)
})

test('rate-limit errors and a stale usage header', () => {
  const state = createPartitionState('r', 0)
  for (let i = 0; i < 3; i++) foldOutboundResult(state, result({ pn: PN1, id: `f${i}`, status: 'failed', code: 131056, t: T0 + i, usage: 95 }))
  evaluateResults(state, T0 + 1000)
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}`).sort(), ['business_usage_high:firing', 'rate_limit_errors:firing'])
  state.alerts = []
  evaluateResults(state, T0 + 30_000)
  assert.equal(state.alerts.length, 0)
  // A minute later the errors left the window; an hour later the usage header no longer counts.
  evaluateResults(state, T0 + 61_001)
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}`), ['rate_limit_errors:resolved'])
  evaluateResults(state, T0 + 60 * 60_000 + 10)
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}`), ['rate_limit_errors:resolved', 'business_usage_high:resolved'])
})

test('users reached by a template outside their window, across numbers of a WABA, against its messaging limit; webhook alerts expire', () => {
  const events = createPartitionState('e', 0)
  foldInboundEvent(events, event({ field: 'business_capability_update', id: 'cap', t: T0, value: { max_daily_conversations_per_business: 10 } }))
  foldInboundEvent(events, event({ field: 'account_update', id: 'v', t: T0, value: { event: 'ACCOUNT_VIOLATION' } }))
  // Statuses teach which WABA each number belongs to (results do not say).
  const statuses = createPartitionState('s', 1)
  for (const pn of [PN1, '777']) foldInboundStatus(statuses, status({ pn, to: 'c0', wamid: `w-${pn}`, status: 'delivered', t: T0 }))
  const results = createPartitionState('r', 0)
  // 8 users reached by a template while their window was closed; one of them from two numbers of the WABA: 8 for the WABA.
  for (let i = 0; i < 8; i++) foldOutboundResult(results, result({ pn: PN1, id: `r${i}`, status: 'accepted', t: T0, to: `c${i}`, type: 'template', windowOpen: false }))
  // Egress did not know the window (null): counted, an early alert rather than a late one.
  foldOutboundResult(results, result({ pn: '777', id: 'r-777', status: 'accepted', t: T0, to: 'c0', type: 'template', windowOpen: null }))
  // Not counted: a text, a template inside an open window, a failed template.
  foldOutboundResult(results, result({ pn: PN1, id: 'r-text', status: 'accepted', t: T0, to: 'c20', type: 'text', windowOpen: true }))
  foldOutboundResult(results, result({ pn: PN1, id: 'r-open', status: 'accepted', t: T0, to: 'c21', type: 'template', windowOpen: true }))
  foldOutboundResult(results, result({ pn: PN1, id: 'r-failed', status: 'failed', t: T0, to: 'c22', type: 'template', windowOpen: false, code: 131026 }))
  const evaluate = (now: number) => {
    const tables = [events, statuses, results]
    const base = { ...collectContext(tables, now, 1000), reach: { byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() } }
    const reach = partitionReach(results, base.numbers, now, (pn) => base.numbers.get(pn)?.wabaId)
    assert.deepStrictEqual(Object.fromEntries(reach.byNumber), now < T0 + 24 * 60 * 60_000 ? { [PN1]: 8, 777: 1 } : {})
    return evaluateEventsPartition(events, { ...base, reach }, cfg, owners, now)
  }
  assert.deepStrictEqual(evaluate(T0 + 1000), [{ wabaId: WABA, uniqueCustomers: 8, limit: 10 }])
  assert.deepStrictEqual(events.alerts.map((a) => `${a.name}:${a.state}:${a.value}`), ['account_violation:firing:1', 'messaging_limit_near:firing:8'])
  events.alerts = []
  evaluate(T0 + 25 * 60 * 60_000)
  assert.deepStrictEqual(events.alerts.map((a) => `${a.name}:${a.state}`), ['account_violation:resolved', 'messaging_limit_near:resolved'])
})
