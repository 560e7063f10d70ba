import type { InboundEvent } from '@wabridge/schemas'
import { applyAlert, refireAlert } from '../alerts/alert-state.ts'
import { webhookRule, type WebhookAlertInput } from '../alerts/rules.ts'
import { countRateLimitError, countUsage, firstSeen, RATE_LIMIT_CODES, type FoldOutcome } from './counting.ts'
import { clean } from '../state/keys.ts'
import { setProp, type PartitionState } from '../state/partition-state.ts'
import { limitLabel, parseMessagingLimit, throughputOfLevel } from '../alerts/tiers.ts'

type Value = Record<string, unknown>

const str = (v: unknown): string | undefined => typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
const obj = (v: unknown): Value | undefined => typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Value : undefined
const upper = (v: unknown): string => str(v)?.trim().toUpperCase() ?? ''

/** Props this fold remembers besides the alert states (README, "State"). */
export const EVENT_PROP = {
  /** `x|tier|{waba}`: the WABA's messaging limit, unique users (Infinity = unlimited). */
  tier: 'x|tier|',
  /** `x|mps|{display number}`: messages per second after a throughput change. */
  mps: 'x|mps|',
  /** `x|tcat|{template id}`: the template's category after a completed category change. */
  templateCategory: 'x|tcat|',
  /** `x|vtier|{waba}|{category}|{region}|{month}`: the volume pricing tier reached, JSON. */
  volumeTier: 'x|vtier|'
} as const

/**
 * A phone number's or template's quality as Meta names it now (GREEN, YELLOW = medium, RED), from
 * `quality_score` (a string, or an object with `score`) or the older `quality_rating`; HIGH / MEDIUM /
 * LOW read as GREEN / YELLOW / RED. Undefined for UNKNOWN and anything else. The Flagged state is
 * gone since Oct 2025 (whatsapp-cloud-api-more.md §1.1): FLAGGED events no longer mean RED.
 */
export function qualityOf (raw: unknown): 'GREEN' | 'YELLOW' | 'RED' | undefined {
  const s = upper(obj(raw)?.score ?? raw)
  if (s === 'GREEN' || s === 'HIGH') return 'GREEN'
  if (s === 'YELLOW' || s === 'MEDIUM') return 'YELLOW'
  if (s === 'RED' || s === 'LOW') return 'RED'
  return undefined
}

/** message_template_status_update events (MTSU) that fire an alert. */
const TEMPLATE_STATUS_ALERTS: Record<string, WebhookAlertInput['name']> = {
  PAUSED: 'template_paused',
  DISABLED: 'template_disabled',
  REJECTED: 'template_rejected',
  FLAGGED: 'template_flagged',
  LOCKED: 'template_locked'
}
/** Every event MTSU documents: one of them resolves the template's status alerts it does not fire; an unknown one changes nothing. */
const TEMPLATE_STATUSES = new Set(['APPROVED', 'ARCHIVED', 'UNARCHIVED', 'DELETED', 'DISABLED', 'FLAGGED', 'IN_APPEAL', 'LIMIT_EXCEEDED', 'LOCKED', 'UNLOCKED', 'PAUSED', 'PENDING', 'REINSTATED', 'PENDING_DELETION', 'REJECTED'])

/** account_alerts types that say a messaging-limit increase was refused (§1.2). */
const LIMIT_INCREASE_ALERTS = new Set(['INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED', 'INCREASED_CAPABILITIES_ELIGIBILITY_FAILED', 'INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO'])

interface EventContext {
  state: PartitionState
  e: InboundEvent
  value: Value
  event: string
  /** Meta's time of the webhook (entry.time), else the receive time. */
  t: number
  alert: (input: Omit<WebhookAlertInput, 'wabaId'>, on: boolean) => void
  refire: (input: Omit<WebhookAlertInput, 'wabaId'>) => void
}

/**
 * Every other webhook field: counted by field and event; messaging tiers, throughput changes,
 * template categories and volume pricing tiers remembered; quality, tier, throughput, account,
 * template and account-alert webhooks drive webhook alerts; `errors` entries with rate-limit codes
 * counted. Unknown fields, events and values are counted and change nothing else. Times are Meta's
 * (entry.time), else the receive time.
 */
export function foldInboundEvent (state: PartitionState, e: InboundEvent): FoldOutcome {
  const t = e.meta_timestamp ?? e.received_at
  if (!firstSeen(state, `e:${e.event_id}`, t)) return 'duplicate'
  countUsage(state, t, 'ev', e.waba_id, e.field, e.event ?? '')
  let value: Value = {}
  try {
    const parsed: unknown = JSON.parse(e.value_json)
    value = obj(parsed) ?? {}
  } catch {}
  const ctx: EventContext = {
    state,
    e,
    value,
    event: upper(value.event) || upper(e.event),
    t,
    alert: (input, on) => applyAlert(state, webhookRule({ ...input, wabaId: e.waba_id }), on ? 1 : 0, t),
    refire: (input) => refireAlert(state, webhookRule({ ...input, wabaId: e.waba_id }), t)
  }
  switch (e.field) {
    case 'phone_number_quality_update': phoneNumberQuality(ctx); break
    case 'business_capability_update': rememberTier(ctx, value.max_daily_conversations_per_business ?? value.max_daily_conversation_per_phone); break
    case 'message_template_status_update': templateStatus(ctx); break
    case 'message_template_quality_update': templateQuality(ctx); break
    case 'template_category_update': templateCategory(ctx); break
    case 'account_update': accountUpdate(ctx); break
    case 'account_alerts': accountAlert(ctx); break
    case 'account_review_update': accountReview(ctx); break
    case 'errors': {
      const code = Number(value.code)
      if (e.phone_number_id && RATE_LIMIT_CODES.has(code)) countRateLimitError(state, t, e.phone_number_id, code, 'webhook')
      break
    }
  }
  return 'counted'
}

/**
 * phone_number_quality_update (PNQ, §1.5, §2): the messaging tier (max_daily_conversations_per_business,
 * else the deprecated current_limit), a THROUGHPUT_UPGRADE (1,000 msg/s for the display number), and a
 * quality score when one is present (RED critical, YELLOW warning, GREEN clears both).
 */
function phoneNumberQuality (ctx: EventContext): void {
  const { state, value, event, e } = ctx
  const display = str(value.display_phone_number) ?? ''
  rememberTier(ctx, value.max_daily_conversations_per_business ?? value.current_limit, str(value.old_limit))
  const level = upper(obj(value.throughput)?.level ?? value.throughput_level)
  const mps = event === 'THROUGHPUT_UPGRADE' ? 1000 : throughputOfLevel(level)
  if (display && mps !== undefined) {
    const rest = EVENT_PROP.mps + clean(display)
    // STANDARD is the default throughput: forget the upgrade, so METRICS_DEFAULT_MPS applies again.
    setProp(state, rest, mps > 80 ? String(mps) : undefined)
    const input = { name: 'throughput_upgraded', scope: `display_phone_number:${display}`, phoneNumberId: e.phone_number_id, labels: { level: level || 'HIGH', messages_per_second: String(mps), event }, message: `phone number ${display} throughput is ${level || 'HIGH'} (${mps} msg/s)` } as const
    ctx.alert(input, mps > 80)
  }
  const quality = qualityOf(value.quality_score ?? value.quality_rating ?? value.new_quality_score)
  if (display && quality) {
    const scope = `display_phone_number:${display}`
    const labels = { quality, event }
    ctx.alert({ name: 'phone_quality_red', scope, phoneNumberId: e.phone_number_id, labels, message: `phone number ${display} quality RED` }, quality === 'RED')
    ctx.alert({ name: 'phone_quality_medium', scope, phoneNumberId: e.phone_number_id, labels, message: `phone number ${display} quality YELLOW (medium)` }, quality === 'YELLOW')
  }
}

/**
 * Remembers the WABA's messaging limit a webhook announces (a tier string or an integer, -1 or
 * UNLIMITED = unlimited) and raises an info alert when it differs from the one remembered (or from
 * the webhook's own old_limit). A rise resolves a refused-increase alert of the WABA.
 */
function rememberTier (ctx: EventContext, raw: unknown, oldRaw?: string): void {
  const { state, e } = ctx
  const limit = parseMessagingLimit(raw)
  if (limit === undefined) return
  const rest = EVENT_PROP.tier + clean(e.waba_id)
  const known = state.props.get(rest)
  const previous = known === undefined ? parseMessagingLimit(oldRaw) : Number(known)
  setProp(state, rest, String(limit))
  if (previous === undefined || previous === limit) return
  const labels = { tier: limitLabel(limit), previous_tier: limitLabel(previous), field: e.field, event: ctx.event }
  ctx.refire({ name: 'messaging_limit_changed', scope: `waba:${e.waba_id}`, labels, message: `WABA ${e.waba_id} messaging limit ${labels.previous_tier} → ${labels.tier} (${e.field})` })
  if (limit > previous) ctx.alert({ name: 'messaging_limit_increase_blocked', scope: `waba:${e.waba_id}`, message: `WABA ${e.waba_id} messaging limit increase refused` }, false)
}

/** message_template_status_update (MTSU, §3.2–3.3). */
function templateStatus (ctx: EventContext): void {
  const { value, event } = ctx
  const id = str(value.message_template_id)
  if (!id || !TEMPLATE_STATUSES.has(event)) return
  const labels: Record<string, string> = {
    template_name: str(value.message_template_name) ?? '',
    language: str(value.message_template_language) ?? '',
    category: str(value.message_template_category) ?? '',
    reason: str(value.reason) ?? '',
    event
  }
  const other = obj(value.other_info)
  if (other?.title !== undefined) labels.title = str(other.title) ?? ''
  const disableDate = str(obj(value.disable_info)?.disable_date)
  if (disableDate) labels.disable_date = disableDate
  const rejection = obj(value.rejection_info)
  if (rejection?.reason !== undefined) labels.rejection_reason = str(rejection.reason) ?? ''
  const fired = TEMPLATE_STATUS_ALERTS[event]
  for (const name of new Set(Object.values(TEMPLATE_STATUS_ALERTS))) {
    ctx.alert({ name, scope: `template:${id}`, labels, message: `template ${labels.template_name || id} (${labels.language || '?'}) ${event.toLowerCase()}${labels.reason && labels.reason !== 'NONE' ? `: ${labels.reason}` : ''}` }, name === fired)
  }
}

/** message_template_quality_update (MTQU): RED a warning, YELLOW info, GREEN clears both; UNKNOWN changes nothing. */
function templateQuality (ctx: EventContext): void {
  const { value } = ctx
  const id = str(value.message_template_id)
  const quality = qualityOf(value.new_quality_score)
  if (!id || !quality) return
  const name = str(value.message_template_name) ?? id
  const labels = { quality, previous_quality: upper(value.previous_quality_score), template_name: str(value.message_template_name) ?? '', language: str(value.message_template_language) ?? '' }
  ctx.alert({ name: 'template_quality_red', scope: `template:${id}`, labels, message: `template ${name} quality RED` }, quality === 'RED')
  ctx.alert({ name: 'template_quality_medium', scope: `template:${id}`, labels, message: `template ${name} quality YELLOW (medium)` }, quality === 'YELLOW')
}

/**
 * template_category_update (TCU, §3.3): an impending change (correct_category, in 24 h) fires
 * template_category_changing; the completed change (previous_category → new_category) resolves it,
 * fires template_category_changed and remembers the category.
 */
function templateCategory (ctx: EventContext): void {
  const { value, state } = ctx
  const id = str(value.message_template_id)
  if (!id) return
  const name = str(value.message_template_name) ?? id
  const scope = `template:${id}`
  const correct = upper(value.correct_category)
  const next = upper(value.new_category)
  if (correct) {
    const at = Number(value.category_update_timestamp)
    const labels: Record<string, string> = { category: next, correct_category: correct, template_name: str(value.message_template_name) ?? '' }
    if (Number.isFinite(at) && at > 0) labels.effective_at = new Date(at < 1e12 ? at * 1000 : at).toISOString()
    ctx.refire({ name: 'template_category_changing', scope, labels, message: `template ${name} becomes ${correct} (now ${next || '?'})${labels.effective_at ? ` at ${labels.effective_at}` : ''}` })
    return
  }
  const previous = upper(value.previous_category)
  if (!next) return
  setProp(state, EVENT_PROP.templateCategory + clean(id), next)
  ctx.alert({ name: 'template_category_changing', scope, message: `template ${name} category change` }, false)
  ctx.refire({ name: 'template_category_changed', scope, labels: { category: next, previous_category: previous, template_name: str(value.message_template_name) ?? '' }, message: `template ${name} category ${previous || '?'} → ${next}` })
}

/** account_update (M-AU): restrictions, violations, bans, deletion, offboarding; the volume pricing tier. */
function accountUpdate (ctx: EventContext): void {
  const { value, event, e } = ctx
  const scope = `waba:${e.waba_id}`
  switch (event) {
    case 'ACCOUNT_RESTRICTION': {
      const info = Array.isArray(value.restriction_info) ? value.restriction_info.map(obj) : undefined
      const types = (info ?? []).map((r) => str(r?.restriction_type)).filter((x): x is string => x !== undefined)
      const expiration = (info ?? []).map((r) => str(r?.expiration)).find((x) => x !== undefined)
      ctx.alert({ name: 'account_restriction', scope, labels: { restrictions: types.join(','), ...(expiration && { expiration }) }, message: `WABA ${e.waba_id} restricted${types.length > 0 ? `: ${types.join(', ')}` : ''}` }, info === undefined || info.length > 0)
      break
    }
    case 'ACCOUNT_VIOLATION': {
      const violation = str(obj(value.violation_info)?.violation_type) ?? ''
      ctx.alert({ name: 'account_violation', scope, labels: { violation }, message: `WABA ${e.waba_id} policy violation${violation ? `: ${violation}` : ''}` }, true)
      break
    }
    case 'DISABLED_UPDATE': {
      const ban = obj(value.ban_info)
      const raw = ban?.waba_ban_state
      const states = (Array.isArray(raw) ? raw : [raw]).map(upper).filter((x) => x !== '')
      const reinstated = states.some((s) => s.includes('REINSTATE'))
      ctx.alert({ name: 'account_disabled', scope, labels: { ban_state: states.join(','), ban_date: str(ban?.waba_ban_date) ?? '' }, message: `WABA ${e.waba_id} ${states.join(', ').toLowerCase() || 'disabled'}` }, !reinstated)
      break
    }
    case 'ACCOUNT_DELETED':
      ctx.alert({ name: 'account_deleted', scope, message: `WABA ${e.waba_id} deleted` }, true)
      break
    case 'ACCOUNT_OFFBOARDED':
    case 'ACCOUNT_RECONNECTED':
      ctx.alert({ name: 'account_offboarded', scope, message: `WABA ${e.waba_id} offboarded` }, event === 'ACCOUNT_OFFBOARDED')
      break
    case 'VOLUME_BASED_PRICING_TIER_UPDATE':
      rememberVolumeTier(ctx)
      break
  }
}

/** The lower bound of a volume tier band ("25000001:50000000" → 25000001); NaN when unreadable. */
const tierFloor = (tier: string) => Number(tier.split(':')[0])

/**
 * VOLUME_BASED_PRICING_TIER_UPDATE (§9.2): the tier a WABA's portfolio reached per pricing category,
 * region and month. Meta may send it more than once: for the same tier the smallest tier_update_time
 * is kept; a higher tier (bands only rise within a month) replaces a lower one.
 */
function rememberVolumeTier (ctx: EventContext): void {
  const info = obj(ctx.value.volume_tier_info)
  const tier = str(info?.tier)
  if (!info || !tier) return
  const category = upper(info.pricing_category)
  const region = str(info.region) ?? ''
  const month = str(info.effective_month) ?? ''
  const time = Number(info.tier_update_time)
  const rest = `${EVENT_PROP.volumeTier}${clean(ctx.e.waba_id)}|${clean(category)}|${clean(region)}|${clean(month)}`
  const raw = ctx.state.props.get(rest)
  const known = raw === undefined ? undefined : JSON.parse(raw) as { tier: string, tier_update_time: number | null }
  const next = { tier, tier_update_time: Number.isFinite(time) ? time : null, category, region, effective_month: month }
  if (known) {
    const [a, b] = [tierFloor(known.tier), tierFloor(tier)]
    if (known.tier === tier) {
      if (known.tier_update_time !== null && (next.tier_update_time === null || known.tier_update_time <= next.tier_update_time)) return
    } else if (!(b > a) && !(Number.isNaN(a) && !Number.isNaN(b))) return
  }
  setProp(ctx.state, rest, JSON.stringify(next))
}

/**
 * account_alerts (§1.2): a refused messaging-limit increase (INCREASED_CAPABILITIES_ELIGIBILITY_*)
 * fires messaging_limit_increase_blocked; any other alert type account_alert (scope per type). An
 * alert_status naming a resolution clears it [uncertain: Meta's statuses are not in the shared files].
 */
function accountAlert (ctx: EventContext): void {
  const { value, e } = ctx
  const info = obj(value.alert_info) ?? value
  const type = upper(info.alert_type)
  if (!type) return
  const status = upper(info.alert_status)
  const on = !/RESOLVED|INACTIVE|CLOSED|DISMISSED/.test(status)
  const labels = { alert_type: type, alert_status: status, alert_severity: upper(info.alert_severity), description: str(info.alert_description) ?? '' }
  if (LIMIT_INCREASE_ALERTS.has(type)) {
    ctx.alert({ name: 'messaging_limit_increase_blocked', scope: `waba:${e.waba_id}`, labels, message: `WABA ${e.waba_id} messaging limit increase refused: ${type.replace('INCREASED_CAPABILITIES_ELIGIBILITY_', '').toLowerCase()}` }, on)
  } else {
    ctx.alert({ name: 'account_alert', scope: `waba:${e.waba_id}:${type}`, labels, message: `WABA ${e.waba_id} account alert ${type}${labels.description ? `: ${labels.description}` : ''}` }, on)
  }
}

/** account_review_update: a REJECTED decision fires account_review_rejected, APPROVED clears it [uncertain: payload not in the shared files]. */
function accountReview (ctx: EventContext): void {
  const decision = upper(ctx.value.decision)
  if (decision !== 'REJECTED' && decision !== 'APPROVED') return
  ctx.alert({ name: 'account_review_rejected', scope: `waba:${ctx.e.waba_id}`, labels: { decision }, message: `WABA ${ctx.e.waba_id} account review rejected` }, decision === 'REJECTED')
}
