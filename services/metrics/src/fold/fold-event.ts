import type { InboundEvent } from '@wabridge/schemas'
import { applyAlert } from '../alerts/alert-state.ts'
import { webhookRule, type WebhookAlertInput } from '../alerts/rules.ts'
import { countRateLimitError, countUsage, firstSeen, RATE_LIMIT_CODES, type FoldOutcome } from './counting.ts'
import { clean } from '../state/keys.ts'
import { setProp, type PartitionState } from '../state/partition-state.ts'
import { parseMessagingLimit } from '../alerts/tiers.ts'

type Value = Record<string, unknown>

const str = (v: unknown): string | undefined => typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined

/** Quality ratings and events that mean RED, and those that clear it. Legacy events are [uncertain] in Meta's docs. */
const QUALITY_RED = new Set(['RED', 'FLAGGED', 'DOWNGRADE', 'LOW'])
const QUALITY_OK = new Set(['GREEN', 'YELLOW', 'UNFLAGGED', 'UPGRADE', 'HIGH', 'MEDIUM'])
const TEMPLATE_ALERTS = { PAUSED: 'template_paused', DISABLED: 'template_disabled', REJECTED: 'template_rejected' } as const

/**
 * Every other webhook field: counted by field and event; messaging tiers and throughput upgrades
 * remembered; quality, account and template webhooks drive webhook alerts; `errors` entries with
 * rate-limit codes counted. Times are Meta's (entry.time), else the receive time.
 */
export function foldInboundEvent (state: PartitionState, e: InboundEvent): FoldOutcome {
  const t = e.meta_timestamp ?? e.received_at
  if (!firstSeen(state, `e:${e.event_id}`, t)) return 'duplicate'
  countUsage(state, t, 'ev', e.waba_id, e.field, e.event ?? '')
  let value: Value = {}
  try {
    const parsed: unknown = JSON.parse(e.value_json)
    if (parsed && typeof parsed === 'object') value = parsed as Value
  } catch {}
  const event = str(value.event) ?? e.event ?? ''
  const alert = (input: Omit<WebhookAlertInput, 'wabaId'>, on: boolean) =>
    applyAlert(state, webhookRule({ ...input, wabaId: e.waba_id }), on ? 1 : 0, t)
  switch (e.field) {
    case 'phone_number_quality_update': {
      const display = str(value.display_phone_number) ?? ''
      rememberLimit(state, e.waba_id, value.current_limit ?? value.max_daily_conversations_per_business)
      if (event === 'THROUGHPUT_UPGRADE' && display) setProp(state, `x|mps|${clean(display)}`, '1000')
      const quality = str(value.quality_rating ?? value.quality_score ?? value.new_quality_score)?.toUpperCase() ?? event
      if (display && (QUALITY_RED.has(quality) || QUALITY_OK.has(quality))) {
        alert({ name: 'phone_quality_red', scope: `display_phone_number:${display}`, labels: { event }, message: `phone number ${display} quality ${quality}` }, QUALITY_RED.has(quality))
      }
      break
    }
    case 'business_capability_update':
      rememberLimit(state, e.waba_id, value.max_daily_conversations_per_business)
      break
    case 'message_template_status_update': {
      const id = str(value.message_template_id)
      if (!id) break
      const labels = { template_name: str(value.message_template_name) ?? '', language: str(value.message_template_language) ?? '', reason: str(value.reason) ?? '' }
      for (const [status, name] of Object.entries(TEMPLATE_ALERTS)) {
        alert({ name, scope: `template:${id}`, labels, message: `template ${labels.template_name || id} ${event.toLowerCase()}` }, event === status)
      }
      break
    }
    case 'message_template_quality_update': {
      const id = str(value.message_template_id)
      const score = str(value.new_quality_score)?.toUpperCase()
      if (id && score) alert({ name: 'template_quality_red', scope: `template:${id}`, labels: { quality: score }, message: `template ${id} quality ${score}` }, score === 'RED')
      break
    }
    case 'account_update': {
      const scope = `waba:${e.waba_id}`
      if (event === 'ACCOUNT_RESTRICTION') {
        const info = value.restriction_info
        alert({ name: 'account_restriction', scope, message: `WABA ${e.waba_id} restricted` }, !Array.isArray(info) || info.length > 0)
      }
      if (event === 'ACCOUNT_VIOLATION') alert({ name: 'account_violation', scope, labels: { violation: str((value.violation_info as Value | undefined)?.violation_type) ?? '' }, message: `WABA ${e.waba_id} policy violation` }, true)
      break
    }
    case 'errors': {
      const code = Number(value.code)
      if (e.phone_number_id && RATE_LIMIT_CODES.has(code)) countRateLimitError(state, t, e.phone_number_id, code, 'webhook')
      break
    }
  }
  return 'counted'
}

function rememberLimit (state: PartitionState, wabaId: string, raw: unknown): void {
  const limit = parseMessagingLimit(raw)
  if (limit !== undefined) setProp(state, `x|tier|${clean(wabaId)}`, String(limit))
}
