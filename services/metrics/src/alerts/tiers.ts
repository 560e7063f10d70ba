import { tierLimit, toMessagingTier } from '@wabridge/outreach'

/**
 * A messaging limit (unique users per moving 24 h) from a webhook field or config, in any form Meta
 * sends it (whatsapp-cloud-api-more.md §0.3, §1.3): a tier (`TIER_2K`, `TIER_UNLIMITED`), the
 * integers of business_capability_update (`2000`, `-1` = unlimited), the strings of the limits page
 * (`'2000'`, `'UNLIMITED'`). The tier reading is @wabridge/outreach's (the campaigns guard's); a
 * positive count that is no tier (config, e.g. `5000`) is taken as is. Infinity for unlimited;
 * undefined for `TIER_NOT_SET` or anything unrecognised (never an error).
 */
export function parseMessagingLimit (value: unknown): number | undefined {
  const tier = toMessagingTier(value)
  if (tier !== 'unknown') {
    const limit = tierLimit(tier)
    return limit === null ? Infinity : limit
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/** A limit as a tier name for alert labels and messages: 2000 → TIER_2K, Infinity → TIER_UNLIMITED, 5000 → 5000. */
export function limitLabel (limit: number | undefined): string {
  if (limit === undefined) return 'unknown'
  if (limit === Infinity) return 'TIER_UNLIMITED'
  const tier = toMessagingTier(limit)
  return tier === 'unknown' ? String(limit) : tier
}

/** Throughput levels of a number (`GET /{id}?fields=throughput`, §2) and the messages per second each allows. */
const THROUGHPUT_LEVELS: Record<string, number | undefined> = { STANDARD: 80, HIGH: 1000, NOT_APPLICABLE: undefined }

/**
 * The messages per second a throughput level allows: HIGH 1,000, STANDARD 80; undefined for
 * NOT_APPLICABLE and unknown levels.
 */
export function throughputOfLevel (level: unknown): number | undefined {
  if (typeof level !== 'string') return undefined
  const key = level.trim().toUpperCase()
  return Object.hasOwn(THROUGHPUT_LEVELS, key) ? THROUGHPUT_LEVELS[key] : undefined
}
