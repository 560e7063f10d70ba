import { recipientWaId, suppressionActive, suppressionScope, type InboundEvent, type InboundMessage, type InboundStatus, type Suppression } from '@wabridge/schemas'

/** Meta's per-user marketing limit holds a recipient for at least 24 h (131049). */
export const MARKETING_LIMIT_HOLD_MS = 24 * 60 * 60 * 1000
/** The recipient stopped marketing messages from the business. */
export const OPTED_OUT_CODE = 131050
/** The recipient reached Meta's per-user marketing limit. */
export const MARKETING_LIMIT_CODE = 131049
/** created_by of what the feeder writes. */
export const FEEDER_NAME = 'outreach-feeder'

/** What one inbound record asks of the suppression list. */
export type FeederAction =
  | { type: 'add', suppression: Suppression }
  /** Lift the recipient's suppression if it has this reason (a user_preferences resume lifts only Meta's opt-out). */
  | { type: 'lift', scope: string, waId: string, reason: Suppression['reason'] }

export interface FeederContext {
  wabaOf: (phoneNumberId: string) => string | undefined
  /** The keyword the text is, or undefined. */
  keywordOf: (text: string) => string | undefined
  now: number
}

/** A failed status with 131050 (opted out, until lifted) or 131049 (marketing limit, status time + 24 h). */
export function actionsForStatus (s: InboundStatus, ctx: FeederContext): FeederAction[] {
  if (s.status !== 'failed') return []
  const base = { scope: suppressionScope(s.phone_number_id, ctx.wabaOf), wa_id: recipientWaId(s.recipient_id), created_at: ctx.now, created_by: FEEDER_NAME }
  if (s.error_codes.includes(OPTED_OUT_CODE)) {
    return [{ type: 'add', suppression: { ...base, reason: 'opted_out', source: `status ${OPTED_OUT_CODE} of ${s.message_id}`, expires_at: null } }]
  }
  if (s.error_codes.includes(MARKETING_LIMIT_CODE)) {
    return [{ type: 'add', suppression: { ...base, reason: 'marketing_limit', source: `status ${MARKETING_LIMIT_CODE} of ${s.message_id}`, expires_at: s.meta_timestamp + MARKETING_LIMIT_HOLD_MS } }]
  }
  return []
}

/** A text message that is, whole, a stop keyword. */
export function actionsForMessage (m: InboundMessage, ctx: FeederContext): FeederAction[] {
  if (m.type !== 'text') return []
  let body: unknown
  try {
    body = (JSON.parse(m.message_json) as { text?: { body?: unknown } }).text?.body
  } catch {
    return []
  }
  const keyword = typeof body === 'string' ? ctx.keywordOf(body) : undefined
  if (keyword === undefined) return []
  return [{
    type: 'add',
    suppression: {
      scope: suppressionScope(m.phone_number_id, ctx.wabaOf),
      wa_id: recipientWaId(m.customer_wa_id),
      reason: 'keyword',
      source: `keyword ${keyword} in ${m.message_id}`,
      created_at: ctx.now,
      expires_at: null,
      created_by: FEEDER_NAME
    }
  }]
}

interface UserPreference { wa_id?: unknown, category?: unknown, value?: unknown, detail?: unknown }

/** A user_preferences webhook: stop of marketing_messages → opted out; resume → Meta's opt-out lifted. */
export function actionsForEvent (e: InboundEvent, ctx: FeederContext): FeederAction[] {
  if (e.field !== 'user_preferences' || e.phone_number_id === null) return []
  let prefs: unknown
  try {
    prefs = (JSON.parse(e.value_json) as { user_preferences?: unknown }).user_preferences
  } catch {
    return []
  }
  if (!Array.isArray(prefs)) return []
  const scope = suppressionScope(e.phone_number_id, ctx.wabaOf)
  const out: FeederAction[] = []
  for (const p of prefs as UserPreference[]) {
    if (p.category !== 'marketing_messages' || typeof p.wa_id !== 'string') continue
    const waId = recipientWaId(p.wa_id)
    if (p.value === 'stop') {
      const detail = typeof p.detail === 'string' && p.detail ? `: ${p.detail}` : ''
      out.push({ type: 'add', suppression: { scope, wa_id: waId, reason: 'opted_out', source: `user_preferences stop${detail}`, created_at: ctx.now, expires_at: null, created_by: FEEDER_NAME } })
    } else if (p.value === 'resume') {
      out.push({ type: 'lift', scope, waId, reason: 'opted_out' })
    }
  }
  return out
}

/**
 * Whether the feeder should write `next` over `existing`: never shorten a suppression that still
 * holds (a 131049 hold of 24 h must not replace an opt-out that lasts until lifted), and never
 * rewrite one that already says the same for as long.
 */
export function shouldReplace (existing: Suppression | undefined, next: Suppression, now: number): boolean {
  if (existing === undefined || !suppressionActive(existing, now)) return true
  if (existing.expires_at === null) return false
  return next.expires_at === null || next.expires_at > existing.expires_at
}
