import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { InboundEvent } from '@wabridge/schemas'
import { collectContext } from '../src/alerts/context.ts'
import { limitOf, type EvaluateConfig } from '../src/alerts/evaluate.ts'
import { WEBHOOK_ALERTS } from '../src/alerts/rules.ts'
import { foldInboundEvent, qualityOf } from '../src/fold/fold-event.ts'
import { createPartitionState, type PartitionState } from '../src/state/partition-state.ts'
import { event, WABA } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

// Every webhook field Meta documents for quality, limits, throughput, templates and the account
// (shared/whatsapp-cloud-api-more.md §0–§3, §9.2; whatsapp-cloud-api.md §3), in Meta's shapes, and
// the alert records each produces.

const DISPLAY = '15550783881'
let seq = 0
function fold (state: PartitionState, field: string, value: Record<string, unknown>, t = T0 + seq): void {
  assert.equal(foldInboundEvent(state, event({ field, id: `ev-${++seq}`, t, value })), 'counted')
}
/** The alert records emitted so far as name:scope:state:severity, then cleared. */
function take (state: PartitionState): string[] {
  const out = state.alerts.map((a) => `${a.name}:${a.scope}:${a.state}:${a.severity}`)
  state.alerts = []
  return out
}

test('phone_number_quality_update: quality_score and quality_rating, YELLOW a warning, RED critical, GREEN clears; FLAGGED means nothing any more', () => {
  const state = createPartitionState('e', 0)
  const scope = `display_phone_number:${DISPLAY}`
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, event: 'FLAGGED', current_limit: 'TIER_2K' })
  assert.deepEqual(take(state), [])
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, quality_score: 'YELLOW' })
  assert.deepEqual(take(state), [`phone_quality_medium:${scope}:firing:warning`])
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, quality_rating: 'RED' })
  assert.deepEqual(take(state), [`phone_quality_red:${scope}:firing:critical`, `phone_quality_medium:${scope}:resolved:warning`])
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, quality_score: { score: 'GREEN', date: 1733000000 } })
  assert.deepEqual(take(state), [`phone_quality_red:${scope}:resolved:critical`])
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, quality_score: 'UNKNOWN' })
  assert.deepEqual(take(state), [])
  assert.deepEqual([qualityOf('MEDIUM'), qualityOf('LOW'), qualityOf('HIGH'), qualityOf('NA')], ['YELLOW', 'RED', 'GREEN', undefined])
})

test('messaging tiers: max_daily_conversations_per_business as a string tier or an integer, -1 and UNLIMITED, current_limit/old_limit; an info alert on each change, the tier remembered per WABA', () => {
  const state = createPartitionState('e', 0)
  const scope = `waba:${WABA}`
  const tier = () => state.props.get(`x|tier|${WABA}`)
  // ONBOARDING with the deprecated current_limit only: remembered, no change yet.
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, event: 'ONBOARDING', current_limit: 'TIER_250' })
  assert.equal(tier(), '250')
  assert.deepEqual(take(state), [])
  // BCU's own example sends the integer.
  fold(state, 'business_capability_update', { max_daily_conversation_per_phone: 2000, max_daily_conversations_per_business: 2000, max_phone_numbers_per_waba: 25 })
  assert.equal(tier(), '2000')
  const [changed] = state.alerts
  assert.deepEqual(take(state), [`messaging_limit_changed:${scope}:firing:info`])
  assert.deepEqual(changed!.labels, { tier: 'TIER_2K', previous_tier: 'TIER_250', field: 'business_capability_update', event: '' })
  // The table's string form: the earlier change resolves, the new one fires.
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 'TIER_10K', max_phone_numbers_per_waba: 25 })
  assert.equal(tier(), '10000')
  assert.deepEqual(take(state), [`messaging_limit_changed:${scope}:resolved:info`, `messaging_limit_changed:${scope}:firing:info`])
  // The same tier again is no change.
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: '10000' })
  assert.deepEqual(take(state), [])
  // The deprecated per-phone integer, -1 = unlimited.
  fold(state, 'business_capability_update', { max_daily_conversation_per_phone: -1 })
  assert.equal(tier(), 'Infinity')
  assert.equal(state.alerts[1]!.labels.tier, 'TIER_UNLIMITED')
  take(state)
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 'UNLIMITED' })
  assert.deepEqual(take(state), [])
  // TIER_NOT_SET and unknown tiers are counted and change nothing.
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 'TIER_NOT_SET' })
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 'TIER_5M' })
  assert.equal(tier(), 'Infinity')
  assert.deepEqual(take(state), [])
})

test('a PNQ with old_limit names the change even for a WABA heard of the first time', () => {
  const state = createPartitionState('e', 0)
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, event: 'ONBOARDING', old_limit: 'TIER_2K', current_limit: 'TIER_10K' })
  assert.deepEqual(state.alerts.map((a) => [a.name, a.labels.previous_tier, a.labels.tier]), [['messaging_limit_changed', 'TIER_2K', 'TIER_10K']])
})

test('throughput: THROUGHPUT_UPGRADE raises the display number to 1,000 msg/s (info alert); a STANDARD level goes back to the default', () => {
  const state = createPartitionState('e', 0)
  const cfg = { mpsOverrides: {}, defaultMps: 80 } as unknown as EvaluateConfig
  const limit = () => {
    const ctx = { ...collectContext([state], T0, 1000), reach: { byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() } }
    ctx.numbers.set('106540352242922', { wabaId: WABA, display: DISPLAY })
    return limitOf('106540352242922', ctx, cfg)
  }
  assert.equal(limit(), 80)
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, event: 'THROUGHPUT_UPGRADE', max_daily_conversations_per_business: 'TIER_UNLIMITED', current_limit: 'TIER_UNLIMITED' })
  assert.equal(limit(), 1000)
  const upgrade = state.alerts.find((a) => a.name === 'throughput_upgraded')!
  assert.deepEqual([upgrade.scope, upgrade.state, upgrade.severity, upgrade.labels.level, upgrade.labels.messages_per_second], [`display_phone_number:${DISPLAY}`, 'firing', 'info', 'HIGH', '1000'])
  take(state)
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, event: 'THROUGHPUT_UPGRADE' })
  assert.deepEqual(take(state), [], 'a repeat keeps it firing')
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, throughput: { level: 'STANDARD' } })
  assert.equal(limit(), 80)
  assert.deepEqual(take(state), [`throughput_upgraded:display_phone_number:${DISPLAY}:resolved:info`])
  fold(state, 'phone_number_quality_update', { display_phone_number: DISPLAY, throughput: { level: 'NOT_APPLICABLE' } })
  assert.deepEqual(take(state), [])
})

test('message_template_status_update: PAUSED, DISABLED, REJECTED, FLAGGED, LOCKED fire with Meta\'s details; APPROVED, REINSTATED and the others clear; unknown events change nothing', () => {
  const state = createPartitionState('e', 0)
  const t = { message_template_id: 806312974732579, message_template_name: 'welcome', message_template_language: 'en-US', message_template_category: 'MARKETING' }
  const scope = 'template:806312974732579'
  fold(state, 'message_template_status_update', { ...t, event: 'PAUSED', reason: null, other_info: { title: 'FIRST_PAUSE', description: 'Your template has been paused for 3 hours' } })
  const [paused] = state.alerts
  assert.deepEqual(take(state), [`template_paused:${scope}:firing:warning`])
  assert.deepEqual(paused!.labels, { template_name: 'welcome', language: 'en-US', category: 'MARKETING', reason: '', event: 'PAUSED', title: 'FIRST_PAUSE' })
  fold(state, 'message_template_status_update', { ...t, event: 'REINSTATED', reason: null })
  assert.deepEqual(take(state), [`template_paused:${scope}:resolved:warning`])
  fold(state, 'message_template_status_update', { ...t, event: 'DISABLED', reason: null, disable_info: { disable_date: 'DATE' } })
  assert.equal(state.alerts[0]!.labels.disable_date, 'DATE')
  assert.deepEqual(take(state), [`template_disabled:${scope}:firing:critical`])
  fold(state, 'message_template_status_update', { ...t, event: 'REJECTED', reason: 'INVALID_FORMAT', rejection_info: { reason: 'variables at the start', recommendation: 'move them' } })
  assert.deepEqual(state.alerts[1]!.labels.rejection_reason, 'variables at the start')
  assert.match(state.alerts[1]!.message, /template welcome \(en-US\) rejected: INVALID_FORMAT/)
  assert.deepEqual(take(state), [`template_disabled:${scope}:resolved:critical`, `template_rejected:${scope}:firing:warning`])
  fold(state, 'message_template_status_update', { ...t, event: 'SOMETHING_NEW' })
  assert.deepEqual(take(state), [], 'an unknown event clears nothing')
  fold(state, 'message_template_status_update', { ...t, event: 'FLAGGED', reason: null })
  assert.deepEqual(take(state), [`template_rejected:${scope}:resolved:warning`, `template_flagged:${scope}:firing:warning`])
  fold(state, 'message_template_status_update', { ...t, event: 'LOCKED', reason: null, other_info: { title: 'DISABLED', description: '' } })
  assert.deepEqual(take(state), [`template_flagged:${scope}:resolved:warning`, `template_locked:${scope}:firing:warning`])
  fold(state, 'message_template_status_update', { ...t, event: 'APPROVED', reason: 'NONE' })
  assert.deepEqual(take(state), [`template_locked:${scope}:resolved:warning`])
  for (const e of ['PENDING', 'IN_APPEAL', 'ARCHIVED', 'PENDING_DELETION', 'DELETED', 'LIMIT_EXCEEDED']) fold(state, 'message_template_status_update', { ...t, event: e, reason: null })
  assert.deepEqual(take(state), [])
})

test('message_template_quality_update: RED a warning, YELLOW info, GREEN clears; UNKNOWN changes nothing', () => {
  const state = createPartitionState('e', 0)
  const t = { message_template_id: 9, message_template_name: 'promo', message_template_language: 'en-US' }
  fold(state, 'message_template_quality_update', { ...t, previous_quality_score: 'GREEN', new_quality_score: 'YELLOW' })
  assert.deepEqual(take(state), ['template_quality_medium:template:9:firing:info'])
  fold(state, 'message_template_quality_update', { ...t, previous_quality_score: 'YELLOW', new_quality_score: 'RED' })
  assert.deepEqual(take(state), ['template_quality_red:template:9:firing:warning', 'template_quality_medium:template:9:resolved:info'])
  fold(state, 'message_template_quality_update', { ...t, previous_quality_score: 'RED', new_quality_score: 'UNKNOWN' })
  assert.deepEqual(take(state), [])
  fold(state, 'message_template_quality_update', { ...t, previous_quality_score: 'RED', new_quality_score: 'GREEN' })
  assert.deepEqual(take(state), ['template_quality_red:template:9:resolved:warning'])
})

test('template_category_update: the impending change (24 h notice) fires, the completed one resolves it, fires its own and remembers the category', () => {
  const state = createPartitionState('e', 0)
  const t = { message_template_id: 42, message_template_name: 'order_update', message_template_language: 'en-US' }
  fold(state, 'template_category_update', { ...t, new_category: 'UTILITY', correct_category: 'MARKETING', category_update_timestamp: 1795564800 })
  const [changing] = state.alerts
  assert.deepEqual(take(state), ['template_category_changing:template:42:firing:info'])
  assert.deepEqual(changing!.labels, { category: 'UTILITY', correct_category: 'MARKETING', template_name: 'order_update', effective_at: '2026-11-25T00:00:00.000Z' })
  fold(state, 'template_category_update', { ...t, previous_category: 'UTILITY', new_category: 'MARKETING' })
  assert.deepEqual(take(state), ['template_category_changing:template:42:resolved:info', 'template_category_changed:template:42:firing:info'])
  assert.equal(state.props.get('x|tcat|42'), 'MARKETING')
})

test('account_update: restriction (lifted by an empty restriction_info), violation, DISABLED_UPDATE (REINSTATE clears), deletion, offboarding (reconnect clears); other events only counted', () => {
  const state = createPartitionState('e', 0)
  const scope = `waba:${WABA}`
  fold(state, 'account_update', { event: 'ACCOUNT_RESTRICTION', restriction_info: [{ restriction_type: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: 1795564800 }] })
  assert.deepEqual({ ...state.alerts[0]!.labels }, { restrictions: 'RESTRICTED_BIZ_INITIATED_MESSAGING', expiration: '1795564800' })
  fold(state, 'account_update', { event: 'ACCOUNT_RESTRICTION', restriction_info: [] })
  assert.deepEqual(take(state), [`account_restriction:${scope}:firing:critical`, `account_restriction:${scope}:resolved:critical`])
  fold(state, 'account_update', { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } })
  assert.equal(state.alerts[0]!.labels.violation, 'SCAM')
  assert.deepEqual(take(state), [`account_violation:${scope}:firing:critical`])
  fold(state, 'account_update', { event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: ['SCHEDULE_FOR_DISABLE'], waba_ban_date: 'December 24, 2026' } })
  assert.deepEqual({ ...state.alerts[0]!.labels }, { ban_state: 'SCHEDULE_FOR_DISABLE', ban_date: 'December 24, 2026' })
  fold(state, 'account_update', { event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: 'REINSTATE' } })
  assert.deepEqual(take(state), [`account_disabled:${scope}:firing:critical`, `account_disabled:${scope}:resolved:critical`])
  fold(state, 'account_update', { event: 'ACCOUNT_OFFBOARDED' })
  fold(state, 'account_update', { event: 'ACCOUNT_RECONNECTED' })
  fold(state, 'account_update', { event: 'ACCOUNT_DELETED' })
  assert.deepEqual(take(state), [`account_offboarded:${scope}:firing:warning`, `account_offboarded:${scope}:resolved:warning`, `account_deleted:${scope}:firing:critical`])
  for (const e of ['AD_ACCOUNT_LINKED', 'AUTH_INTL_PRICE_ELIGIBILITY_UPDATE', 'BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE', 'MM_LITE_TERMS_SIGNED', 'PARTNER_ADDED', 'PARTNER_APP_INSTALLED', 'PARTNER_REMOVED', 'A_NEW_EVENT']) {
    fold(state, 'account_update', { event: e })
  }
  assert.deepEqual(take(state), [])
})

test('VOLUME_BASED_PRICING_TIER_UPDATE: the tier per category, region and month, with the smallest tier_update_time; a higher band replaces a lower one', () => {
  const state = createPartitionState('e', 0)
  const info = (tier: string, time: number) => ({ event: 'VOLUME_BASED_PRICING_TIER_UPDATE', volume_tier_info: { tier_update_time: time, pricing_category: 'UTILITY', tier, effective_month: '2026-11', region: 'India' } })
  const rest = `x|vtier|${WABA}|UTILITY|India|2026-11`
  const read = () => JSON.parse(state.props.get(rest)!) as Record<string, unknown>
  fold(state, 'account_update', info('25000001:50000000', 1795000200))
  fold(state, 'account_update', info('25000001:50000000', 1795000100))
  fold(state, 'account_update', info('25000001:50000000', 1795000300))
  assert.deepEqual(read(), { tier: '25000001:50000000', tier_update_time: 1795000100, category: 'UTILITY', region: 'India', effective_month: '2026-11' })
  fold(state, 'account_update', info('1:25000000', 1795000000))
  assert.equal(read().tier, '25000001:50000000', 'a late lower band does not replace a higher one')
  fold(state, 'account_update', info('50000001:', 1795500000))
  assert.deepEqual([read().tier, read().tier_update_time], ['50000001:', 1795500000])
  fold(state, 'account_update', { event: 'VOLUME_BASED_PRICING_TIER_UPDATE', volume_tier_info: 'garbled' })
  assert.deepEqual(take(state), [])
})

test('account_alerts: a refused messaging-limit increase fires (each of the three types), a tier increase resolves it; other alert types fire account_alert', () => {
  const state = createPartitionState('e', 0)
  const scope = `waba:${WABA}`
  const alertOf = (type: string, status = 'ACTIVE') => ({ entity_type: 'WABA', entity_id: WABA, alert_info: { alert_severity: 'WARNING', alert_status: status, alert_type: type, alert_description: 'Your business is not eligible yet' } })
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 'TIER_2K' })
  fold(state, 'account_alerts', alertOf('INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED'))
  const [blocked] = state.alerts
  assert.deepEqual(take(state), [`messaging_limit_increase_blocked:${scope}:firing:warning`])
  assert.deepEqual(blocked!.labels, { alert_type: 'INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED', alert_status: 'ACTIVE', alert_severity: 'WARNING', description: 'Your business is not eligible yet' })
  fold(state, 'account_alerts', alertOf('INCREASED_CAPABILITIES_ELIGIBILITY_FAILED'))
  fold(state, 'account_alerts', alertOf('INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO'))
  assert.deepEqual(take(state), [], 'still the same condition')
  fold(state, 'business_capability_update', { max_daily_conversations_per_business: 10000 })
  assert.deepEqual(take(state), [`messaging_limit_changed:${scope}:firing:info`, `messaging_limit_increase_blocked:${scope}:resolved:warning`])
  fold(state, 'account_alerts', alertOf('OBA_APPEAL_REJECTED'))
  fold(state, 'account_alerts', alertOf('OBA_APPEAL_REJECTED', 'RESOLVED'))
  assert.deepEqual(take(state), [`account_alert:${scope}:OBA_APPEAL_REJECTED:firing:warning`, `account_alert:${scope}:OBA_APPEAL_REJECTED:resolved:warning`])
})

test('account_review_update: REJECTED fires, APPROVED clears', () => {
  const state = createPartitionState('e', 0)
  fold(state, 'account_review_update', { decision: 'REJECTED' })
  fold(state, 'account_review_update', { decision: 'PENDING' })
  fold(state, 'account_review_update', { decision: 'APPROVED' })
  assert.deepEqual(take(state), [`account_review_rejected:waba:${WABA}:firing:warning`, `account_review_rejected:waba:${WABA}:resolved:warning`])
})

test('unknown fields, values of the wrong type and unreadable JSON never fail the fold: counted, nothing else', () => {
  const state = createPartitionState('e', 0)
  const odd: Array<[string, Record<string, unknown>]> = [
    ['security', { display_phone_number: DISPLAY, event: 'PIN_CHANGED' }],
    ['account_update', { event: 'ACCOUNT_RESTRICTION', restriction_info: 'yes' }],
    ['account_update', { event: 'ACCOUNT_VIOLATION', violation_info: 7 }],
    ['account_update', { event: 'DISABLED_UPDATE', ban_info: null }],
    ['phone_number_quality_update', { display_phone_number: 42, quality_score: ['RED'], current_limit: { tier: 'x' } }],
    ['message_template_status_update', { event: 'PAUSED' }],
    ['message_template_quality_update', { message_template_id: 1, new_quality_score: 3 }],
    ['template_category_update', { message_template_id: 2 }],
    ['account_alerts', { alert_info: 'nothing' }],
    ['business_capability_update', { max_daily_conversations_per_business: { value: 2000 } }]
  ]
  for (const [field, value] of odd) fold(state, field, value)
  const garbled: InboundEvent = { ...event({ field: 'account_update', id: 'garbled', t: T0, value: {} }), value_json: '{not json' }
  assert.equal(foldInboundEvent(state, garbled), 'counted')
  assert.ok(state.alerts.every((a) => a.state === 'firing'))
  // Only the account events fire, as their event says (an unreadable restriction_info or ban_info is no all-clear).
  assert.deepEqual(take(state), [`account_restriction:waba:${WABA}:firing:critical`, `account_violation:waba:${WABA}:firing:critical`, `account_disabled:waba:${WABA}:firing:critical`])
})

test('every webhook alert name has a severity and expires by the TTL', () => {
  for (const [name, severity] of Object.entries(WEBHOOK_ALERTS)) assert.ok(['info', 'warning', 'critical'].includes(severity), name)
  assert.equal(Object.keys(WEBHOOK_ALERTS).length, 21)
})
