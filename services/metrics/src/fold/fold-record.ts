import { countryOfNumber } from '@wabridge/pricing'
import type { DecodedRecord, InboundMessage, InboundStatus, OutboundResult } from '@wabridge/schemas'
import { countRateLimitError, countRecent, countUsage, firstSeen, learnNumber, RATE_LIMIT_CODES, type FoldOutcome } from './counting.ts'
import { foldInboundEvent } from './fold-event.ts'
import { clean, digest } from '../state/keys.ts'
import { setProp, setSeen, touchReach, type PartitionState } from '../state/partition-state.ts'
import { impliedBits, PRICED_BIT, STATUS_BIT, statusNames } from './status-lattice.ts'
import { parseBusinessUsage } from './usage-header.ts'

/**
 * The pure core: folds one decoded record into its partition's state. No I/O and no clock:
 * times come from the records, so folding the same records gives the same state.
 */
export function foldRecord (state: PartitionState, record: DecodedRecord): FoldOutcome {
  switch (record.schema) {
    case 'InboundMessage': return foldInboundMessage(state, record.value)
    case 'InboundStatus': return foldInboundStatus(state, record.value)
    case 'InboundEvent': return foldInboundEvent(state, record.value)
    case 'OutboundResult': return foldOutboundResult(state, record.value)
    default: return 'duplicate'
  }
}

/** Inbound messages by type, once per message id. */
export function foldInboundMessage (state: PartitionState, m: InboundMessage): FoldOutcome {
  const t = m.meta_timestamp || m.received_at
  learnNumber(state, m.phone_number_id, m.waba_id, m.display_phone_number)
  if (!firstSeen(state, `m:${m.message_id}`, t)) return 'duplicate'
  countUsage(state, t, 'in', m.phone_number_id, m.type)
  return 'counted'
}

/**
 * Statuses through the lattice (status-lattice.ts); pricing once per message id; conversations
 * once per conversation id.
 */
export function foldInboundStatus (state: PartitionState, s: InboundStatus): FoldOutcome {
  const t = s.meta_timestamp || s.received_at
  const pn = s.phone_number_id
  learnNumber(state, pn, s.waba_id, s.display_phone_number)
  const bits = impliedBits(s.status)
  if (bits === undefined) {
    if (!firstSeen(state, `x:${s.message_id}:${s.status}`, t)) return 'duplicate'
    countUsage(state, t, 'st', pn, s.status)
    return 'counted'
  }
  const id = digest(`w:${s.message_id}`)
  const prev = state.seen.get(id)
  const before = prev?.flags ?? 0
  const fresh = bits & ~before
  let flags = before | fresh
  for (const name of statusNames(fresh)) countUsage(state, t, 'st', pn, name)
  if (fresh & STATUS_BIT.failed) {
    for (const code of s.error_codes) {
      countUsage(state, t, 'sterr', pn, String(code))
      if (RATE_LIMIT_CODES.has(code)) countRateLimitError(state, t, pn, code, 'status')
    }
  }
  if (s.pricing_category && !(flags & PRICED_BIT)) {
    const category = s.pricing_category.toLowerCase()
    const type = (s.pricing_type ?? '').toLowerCase()
    countUsage(state, t, 'bill', pn, category, type)
    // The same message with the recipient's country (its pricing market comes from the rate card): 'billm', b = '{type}:{country}'.
    countUsage(state, t, 'billm', pn, category, `${type}:${countryOfNumber(s.recipient_id)}`)
    flags |= PRICED_BIT
  }
  if (s.conversation_id && s.conversation_origin && firstSeen(state, `v:${s.conversation_id}`, t)) {
    countUsage(state, t, 'conv', pn, s.conversation_origin.toLowerCase())
  }
  if (flags === before) return 'duplicate'
  setSeen(state, id, flags, Math.max(prev?.t ?? t, t))
  return 'counted'
}

/**
 * Outbound results by status and error code, once per request id; one-second send counts (the
 * send rate; expired requests never reached Meta); rate-limit codes; the latest usage header.
 */
export function foldOutboundResult (state: PartitionState, r: OutboundResult): FoldOutcome {
  const t = r.completed_at
  const pn = r.phone_number_id
  learnNumber(state, pn, '', '')
  if (!firstSeen(state, `r:${r.request_id}`, t)) return 'duplicate'
  const code = r.error?.code ?? null
  countUsage(state, t, 'res', pn, r.status, code === null ? '' : String(code))
  if (r.status !== 'expired') countRecent(state, t, 'send', pn)
  // Meta's messaging limit counts users reached by a business-initiated (template) message outside
  // their customer service window: accepted templates whose window egress did not see open (null =
  // egress did not know, counted: an early alert rather than a late one).
  if (r.status === 'accepted' && r.message_type === 'template' && r.window_open !== true) {
    touchReach(state, `${clean(pn)}|${digest(`c:${r.wa_id ?? r.to}`)}`, t)
  }
  if (code !== null && RATE_LIMIT_CODES.has(code)) countRateLimitError(state, t, pn, code, 'result')
  const usage = parseBusinessUsage(r.business_usage_json)
  if (usage) {
    const rest = `x|usage|${clean(pn)}`
    const prev = state.props.get(rest)
    if (prev === undefined || (JSON.parse(prev) as { at: number }).at <= t) {
      setProp(state, rest, JSON.stringify({ pct: usage.pct, ids: usage.ids, at: t }))
    }
  }
  return 'counted'
}
