import { CSW_DURATION_MS, FEP_DURATION_MS, type CustomerWindow, type InboundMessage, type InboundStatus } from '@wabridge/schemas'

/** What one event says about a pair's windows; absent fields say nothing. Times are epoch ms. */
export interface WindowUpdate {
  phone_number_id: string
  wa_id: string
  last_inbound_at?: number | null
  last_inbound_id?: string | null
  csw_expires_at?: number | null
  referral_at?: number | null
  fep_opened_at?: number | null
  fep_expires_at?: number | null
  updated_at?: number
}

/** A pair's windows at one instant. */
export interface WindowState {
  csw: 'open' | 'closed'
  /** When the open CSW closes (absent when closed). */
  cswClosesAt?: number
  fep: 'open' | 'closed'
  /** When the open FEP closes (absent when closed). */
  fepClosesAt?: number
}

/**
 * Inbound message types that do not open or refresh the customer service window: `system` messages
 * (user_changed_number, customer_identity_changed) are written by WhatsApp, not by the user. Every
 * other item of a `messages` webhook is the user messaging the business (docs/conversations.md).
 */
export const NON_OPENING_TYPES: ReadonlySet<string> = new Set(['system'])

const maxOf = (a: number | null | undefined, b: number | null | undefined): number | null => {
  if (a == null) return b ?? null
  if (b == null) return a
  return a >= b ? a : b
}

/**
 * Merges what an update says into a pair's window. Every time only moves forward, so applying the
 * same update twice, or updates out of order, gives the same record (the keeper and the tracker
 * replay freely). One exception keeps fep_opened_at the *first* status of a free entry point
 * window: an update whose FEP overlaps the known one is the same window (earliest opening, latest
 * close); one that opens after the known one closed is a new window and replaces it.
 */
export function mergeWindow (prev: CustomerWindow | undefined, update: WindowUpdate): CustomerWindow {
  const base: CustomerWindow = prev ?? {
    phone_number_id: update.phone_number_id,
    wa_id: update.wa_id,
    last_inbound_at: null,
    last_inbound_id: null,
    csw_expires_at: null,
    referral_at: null,
    fep_opened_at: null,
    fep_expires_at: null,
    updated_at: 0
  }
  const next: CustomerWindow = { ...base }
  if (update.last_inbound_at != null && (base.last_inbound_at == null || update.last_inbound_at > base.last_inbound_at ||
    (update.last_inbound_at === base.last_inbound_at && base.last_inbound_id == null))) {
    next.last_inbound_at = update.last_inbound_at
    next.last_inbound_id = update.last_inbound_id ?? base.last_inbound_id
  }
  next.csw_expires_at = maxOf(base.csw_expires_at, update.csw_expires_at)
  next.referral_at = maxOf(base.referral_at, update.referral_at)
  if (update.fep_opened_at != null) {
    const opened = update.fep_opened_at
    const expires = update.fep_expires_at ?? opened + FEP_DURATION_MS
    if (base.fep_opened_at == null || base.fep_expires_at == null) {
      next.fep_opened_at = opened
      next.fep_expires_at = expires
    } else if (opened >= base.fep_expires_at) {
      // A new window after the known one closed.
      next.fep_opened_at = opened
      next.fep_expires_at = expires
    } else if (expires > base.fep_opened_at) {
      // The same window (the intervals overlap).
      next.fep_opened_at = Math.min(base.fep_opened_at, opened)
      next.fep_expires_at = Math.max(base.fep_expires_at, expires)
    }
    // else: an older window that closed before the known one opened: nothing new.
  }
  next.updated_at = Math.max(base.updated_at, update.updated_at ?? 0)
  return next
}

/** True when a message's original JSON carries a `referral` object (Click-to-WhatsApp ad, Page call to action). */
function hasReferral (record: InboundMessage): boolean {
  if (record.referral_source_id !== null) return true
  if (!record.message_json.includes('"referral"')) return false
  try {
    const parsed = JSON.parse(record.message_json) as { referral?: unknown }
    return typeof parsed.referral === 'object' && parsed.referral !== null
  } catch {
    return false
  }
}

/**
 * What an inbound message says: a user's message of any type but `system` opens or refreshes the
 * customer service window for 24 h from Meta's timestamp; one that carries a `referral` also marks
 * when a reply could open a free entry point window. Undefined when the message says nothing.
 */
export function windowFromMessage (record: InboundMessage): WindowUpdate | undefined {
  if (NON_OPENING_TYPES.has(record.type) || record.customer_wa_id === '' || record.phone_number_id === '') return undefined
  const at = record.meta_timestamp
  return {
    phone_number_id: record.phone_number_id,
    wa_id: record.customer_wa_id,
    last_inbound_at: at,
    last_inbound_id: record.message_id,
    csw_expires_at: at + CSW_DURATION_MS,
    ...(hasReferral(record) && { referral_at: at })
  }
}

const REFERRAL_CONVERSION = 'referral_conversion'

/** The conversation's expiration_timestamp (unix seconds in the webhook) in ms, when the status carries one. */
function conversationExpiry (record: InboundStatus): number | undefined {
  if (!record.status_json.includes('expiration_timestamp')) return undefined
  try {
    const parsed = JSON.parse(record.status_json) as { conversation?: { expiration_timestamp?: unknown } }
    const raw = parsed.conversation?.expiration_timestamp
    const seconds = typeof raw === 'string' ? Number(raw) : raw
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined
  } catch {
    return undefined
  }
}

/**
 * What a status says: one that Meta priced as `referral_conversion` (pricing category or
 * conversation origin) is a business reply that opened a free entry point window at the status'
 * timestamp, closing at the conversation's expiration_timestamp when the status has one, else
 * 72 h later. Undefined for any other status (and for statuses to groups, which have no window).
 */
export function windowFromStatus (record: InboundStatus): WindowUpdate | undefined {
  if (record.pricing_category !== REFERRAL_CONVERSION && record.conversation_origin !== REFERRAL_CONVERSION) return undefined
  if (record.recipient_id === '' || record.phone_number_id === '') return undefined
  const opened = record.meta_timestamp
  return {
    phone_number_id: record.phone_number_id,
    wa_id: record.recipient_id.replace(/^\+/, ''),
    fep_opened_at: opened,
    fep_expires_at: conversationExpiry(record) ?? opened + FEP_DURATION_MS
  }
}

/** Whether each window is open at `now` (epoch ms), and until when. An unknown pair has both closed. */
export function windowState (w: CustomerWindow | undefined, now: number): WindowState {
  const state: WindowState = { csw: 'closed', fep: 'closed' }
  if (w?.csw_expires_at != null && w.csw_expires_at > now) {
    state.csw = 'open'
    state.cswClosesAt = w.csw_expires_at
  }
  if (w?.fep_expires_at != null && w.fep_expires_at > now && (w.fep_opened_at == null || w.fep_opened_at <= now)) {
    state.fep = 'open'
    state.fepClosesAt = w.fep_expires_at
  }
  return state
}

/** True when neither window can open again from what is known: both closed at `now` (the record can be tombstoned). */
export function isWindowClosed (w: CustomerWindow, now: number): boolean {
  const s = windowState(w, now)
  // A referral still within 24 h may yet turn into a free entry point window: keep it.
  const referralPending = w.referral_at != null && w.referral_at + CSW_DURATION_MS > now
  return s.csw === 'closed' && s.fep === 'closed' && !referralPending && !(w.fep_opened_at != null && w.fep_opened_at > now)
}
