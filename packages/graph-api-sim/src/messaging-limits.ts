/**
 * Meta's messaging limit per business portfolio (whatsapp-cloud-api-more.md §1): the unique users
 * a portfolio may reach outside a customer service window in a moving 24 h, shared by every number
 * of every WABA of the portfolio. Numbers belong to WABAs (the phone number registry), WABAs to a
 * portfolio (configured; by default each WABA has its own, with a derived id). Times are the sim's clock.
 */

/** The tiers Meta sends, and the users each allows per 24 h (null: unlimited). */
export const TIER_LIMITS: Readonly<Record<string, number | null>> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1000,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null
}

export const DAY_MS = 24 * 3600 * 1000

/** What GET /_sim/portfolios says about one portfolio. */
export interface PortfolioInfo {
  id: string
  tier: string
  /** Unique users per moving 24 h; null = unlimited. */
  limit: number | null
  wabaIds: string[]
  /** Unique users reached outside a window in the last 24 h (sim clock). */
  reached: number
  /** Sends that failed (or were refused) with 131048 because the limit was reached. */
  overLimit: number
}

/** Default portfolio of a WABA: the WABA id plus 10^12 when numeric, else `<id>-business`. */
export function derivePortfolioId (wabaId: string): string {
  return /^\d{1,30}$/.test(wabaId) ? String(BigInt(wabaId) + 1_000_000_000_000n) : `${wabaId}-business`
}

export interface MessagingLimits {
  portfolioOf (wabaId: string): string
  setPortfolio (wabaId: string, portfolioId: string): void
  tierOf (portfolioId: string): string
  setTier (portfolioId: string, tier: string): void
  /** Makes a WABA known (a number of it sent, or it was configured), so its portfolio lists it. */
  noteWaba (wabaId: string): void
  isWaba (id: string): boolean
  isPortfolio (id: string): boolean
  /**
   * Whether a business-initiated message to `waId` may be delivered now: yes when the user was
   * reached in the last 24 h or there is room, and then the user counts (again) from now; no when
   * the limit is reached (counted in `overLimit`, the user not counted).
   */
  reach (portfolioId: string, waId: string, now: number): boolean
  info (portfolioId: string, now: number): PortfolioInfo
  list (now: number): PortfolioInfo[]
  /** Forgets who was reached (reset); tiers and portfolios stay. */
  clearCounts (): void
}

export function createMessagingLimits (input: { portfolios?: Record<string, string>, tiers?: Record<string, string>, defaultTier?: string }): MessagingLimits {
  const portfolioByWaba = new Map(Object.entries(input.portfolios ?? {}))
  const tiers = new Map(Object.entries(input.tiers ?? {}))
  const defaultTier = input.defaultTier ?? 'TIER_UNLIMITED'
  const wabas = new Set(portfolioByWaba.keys())
  // Per portfolio: wa_id → last reached, in insertion order = time order (a repeat moves to the end).
  const reached = new Map<string, Map<string, number>>()
  const overLimit = new Map<string, number>()

  const portfolioOf = (wabaId: string): string => portfolioByWaba.get(wabaId) ?? derivePortfolioId(wabaId)
  const tierOf = (id: string): string => tiers.get(id) ?? defaultTier
  const limitOf = (id: string): number | null => TIER_LIMITS[tierOf(id)] ?? null

  function window (portfolioId: string, now: number): Map<string, number> {
    let users = reached.get(portfolioId)
    if (!users) reached.set(portfolioId, users = new Map())
    for (const [waId, at] of users) {
      if (at > now - DAY_MS) break
      users.delete(waId)
    }
    return users
  }

  function info (id: string, now: number): PortfolioInfo {
    return {
      id,
      tier: tierOf(id),
      limit: limitOf(id),
      wabaIds: [...wabas].filter((w) => portfolioOf(w) === id).sort(),
      reached: window(id, now).size,
      overLimit: overLimit.get(id) ?? 0
    }
  }

  return {
    portfolioOf,
    setPortfolio (wabaId, portfolioId) { wabas.add(wabaId); portfolioByWaba.set(wabaId, portfolioId) },
    tierOf,
    setTier (id, tier) { tiers.set(id, tier) },
    noteWaba (wabaId) { wabas.add(wabaId) },
    isWaba: (id) => wabas.has(id),
    isPortfolio: (id) => tiers.has(id) || [...wabas].some((w) => portfolioOf(w) === id),
    reach (portfolioId, waId, now) {
      const users = window(portfolioId, now)
      const limit = limitOf(portfolioId)
      if (!users.has(waId) && limit !== null && users.size >= limit) {
        overLimit.set(portfolioId, (overLimit.get(portfolioId) ?? 0) + 1)
        return false
      }
      users.delete(waId)
      users.set(waId, now)
      return true
    },
    info,
    list (now) {
      const ids = new Set([...tiers.keys(), ...[...wabas].map(portfolioOf)])
      return [...ids].sort().map((id) => info(id, now))
    },
    clearCounts () { reached.clear(); overLimit.clear() }
  }
}
