import { MESSAGING_LIMIT_TIERS, parseMessagingLimit, type MessagingLimitTier } from '@wabridge/graph-api'

/**
 * Meta's messaging tiers: how many unique users a business portfolio may reach with
 * business-initiated messages in a moving 24 h (shared/whatsapp-cloud-api-more.md §1). Parsing is
 * @wabridge/graph-api's (one reading of Meta's forms for the client and the guard).
 */
export const MESSAGING_TIERS = ['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED', 'TIER_NOT_SET'] as const

/** A tier Meta names, or 'unknown' for a value this package does not know (never an error). */
export type MessagingTier = Exclude<MessagingLimitTier, 'UNKNOWN'> | 'unknown'

/**
 * Reads a tier in any form Meta sends it: 'TIER_2K' (Graph field, webhooks), the integers 2000 and
 * -1 (business_capability_update's example, the deprecated per-phone field), the strings '2000' and
 * 'UNLIMITED' (the limits-change page). Anything else is 'unknown'.
 */
export function toMessagingTier (value: unknown): MessagingTier {
  const { tier } = parseMessagingLimit(value)
  return tier === 'UNKNOWN' ? 'unknown' : tier
}

/** The tier's limit: a count, null = unlimited, undefined = not a limit (TIER_NOT_SET, unknown). */
export function tierLimit (tier: string): number | null | undefined {
  return Object.hasOwn(MESSAGING_LIMIT_TIERS, tier) ? MESSAGING_LIMIT_TIERS[tier as keyof typeof MESSAGING_LIMIT_TIERS] : undefined
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
