/** Messaging-limit tiers as Meta names them (whatsapp-cloud-api.md §3, §6), in unique customers per 24 h. */
const TIERS: Record<string, number> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: Infinity,
  UNLIMITED: Infinity
}

/**
 * A messaging limit from a webhook field or config: `TIER_2K`, `2000` or 2000. Infinity for
 * unlimited; undefined for `TIER_NOT_SET` or anything unrecognised.
 */
export function parseMessagingLimit (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const s = value.trim().toUpperCase()
  if (Object.hasOwn(TIERS, s)) return TIERS[s]
  if (/^\d+$/.test(s) && Number(s) > 0) return Number(s)
  return undefined
}
