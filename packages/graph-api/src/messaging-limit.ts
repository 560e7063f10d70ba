/**
 * Meta's messaging limit of a business portfolio: how many unique users it may reach outside a
 * customer service window in a moving 24 h (whatsapp-cloud-api-more.md §1). The tier is read from
 * `whatsapp_business_manager_messaging_limit` (a phone number, WABA or portfolio node) and arrives in
 * `business_capability_update.max_daily_conversations_per_business`, which Meta sends either as a
 * tier string (`TIER_2K`) or as a number (`2000`; `-1` or `UNLIMITED` for no limit) — §0.3.
 */
export type MessagingLimitTier =
  | 'TIER_50' | 'TIER_250' | 'TIER_1K' | 'TIER_2K' | 'TIER_10K' | 'TIER_100K' | 'TIER_UNLIMITED' | 'TIER_NOT_SET' | 'UNKNOWN'

/** Unique users per moving 24 h of each tier; null = unlimited. TIER_NOT_SET and UNKNOWN have none. */
export const MESSAGING_LIMIT_TIERS: Readonly<Record<Exclude<MessagingLimitTier, 'TIER_NOT_SET' | 'UNKNOWN'>, number | null>> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null
}

/** A tier and what it allows: `limit` unique users per 24 h, null for unlimited, undefined when unknown or not set. */
export interface MessagingLimit {
  tier: MessagingLimitTier
  limit: number | null | undefined
}

const BY_NUMBER = new Map(Object.entries(MESSAGING_LIMIT_TIERS).filter(([, n]) => n !== null).map(([tier, n]) => [n as number, tier as MessagingLimitTier]))

function fromNumber (n: number): MessagingLimit {
  if (n === -1) return { tier: 'TIER_UNLIMITED', limit: null }
  const tier = BY_NUMBER.get(n)
  return tier === undefined ? { tier: 'UNKNOWN', limit: undefined } : { tier, limit: n }
}

/**
 * Reads a messaging limit in any form Meta sends it: `TIER_250` … `TIER_UNLIMITED`, `TIER_NOT_SET`,
 * `UNLIMITED`, or a number of users (`2000`, `"2000"`; `-1` = unlimited). Anything else is
 * `{ tier: 'UNKNOWN', limit: undefined }`, never an error.
 */
export function parseMessagingLimit (value: unknown): MessagingLimit {
  if (typeof value === 'number' && Number.isInteger(value)) return fromNumber(value)
  if (typeof value !== 'string') return { tier: 'UNKNOWN', limit: undefined }
  const v = value.trim().toUpperCase()
  if (v === 'UNLIMITED') return { tier: 'TIER_UNLIMITED', limit: null }
  if (v === 'TIER_NOT_SET') return { tier: 'TIER_NOT_SET', limit: undefined }
  if (/^-?\d+$/.test(v)) return fromNumber(Number(v))
  if (v in MESSAGING_LIMIT_TIERS) {
    const tier = v as keyof typeof MESSAGING_LIMIT_TIERS
    return { tier, limit: MESSAGING_LIMIT_TIERS[tier] }
  }
  return { tier: 'UNKNOWN', limit: undefined }
}
