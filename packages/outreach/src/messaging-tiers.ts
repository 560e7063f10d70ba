/**
 * Meta's messaging tiers: how many unique users a business portfolio may reach with
 * business-initiated messages in a moving 24 h (shared/whatsapp-cloud-api-more.md §1).
 */
export const MESSAGING_TIERS = ['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED', 'TIER_NOT_SET'] as const

/** A tier Meta names, or 'unknown' for a value this package does not know (never an error). */
export type MessagingTier = typeof MESSAGING_TIERS[number] | 'unknown'

/** The limit of each tier; null = unlimited. TIER_1K is the legacy step the 2K tier replaced. */
const LIMITS: Record<Exclude<MessagingTier, 'TIER_NOT_SET' | 'unknown'>, number | null> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null
}

const BY_NUMBER = new Map<number, MessagingTier>([[-1, 'TIER_UNLIMITED'], ...Object.entries(LIMITS).filter(([, l]) => l !== null).map(([t, l]) => [l!, t as MessagingTier] as const)])

/**
 * Reads a tier in any form Meta sends it: 'TIER_2K' (Graph field, webhooks), the integers 2000 and
 * -1 (business_capability_update's example, the deprecated per-phone field), the strings '2000' and
 * 'UNLIMITED' (the limits-change page). Anything else is 'unknown'.
 */
export function toMessagingTier (value: unknown): MessagingTier {
  if (typeof value === 'number') return BY_NUMBER.get(value) ?? 'unknown'
  if (typeof value !== 'string') return 'unknown'
  const text = value.trim().toUpperCase()
  if ((MESSAGING_TIERS as readonly string[]).includes(text)) return text as MessagingTier
  if (text === 'UNLIMITED') return 'TIER_UNLIMITED'
  if (/^-?\d+$/.test(text)) return BY_NUMBER.get(Number(text)) ?? 'unknown'
  return 'unknown'
}

/** The tier's limit: a count, null = unlimited, undefined = not a limit (TIER_NOT_SET, unknown). */
export function tierLimit (tier: string): number | null | undefined {
  return Object.hasOwn(LIMITS, tier) ? LIMITS[tier as keyof typeof LIMITS] : undefined
}

/** Webhook fields (wa.inbound.events `field`) that announce a portfolio's messaging limit. */
export const TIER_EVENT_FIELDS = ['business_capability_update', 'phone_number_quality_update'] as const

/**
 * The tier a business_capability_update or phone_number_quality_update value announces, or
 * undefined when it names none: max_daily_conversations_per_business first, then the deprecated
 * max_daily_conversation_per_phone (integer, -1 = unlimited) and current_limit.
 */
export function tierFromEvent (field: string, value: unknown): MessagingTier | undefined {
  if (!(TIER_EVENT_FIELDS as readonly string[]).includes(field) || typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const raw = v.max_daily_conversations_per_business ?? v.max_daily_conversation_per_phone ?? v.current_limit
  return raw === undefined || raw === null ? undefined : toMessagingTier(raw)
}
