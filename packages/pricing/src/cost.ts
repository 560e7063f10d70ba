import { marketOfCountry } from './markets.ts'
import { cardAt, type MarketRates, type RateCard, type RateCardSet, type TierBand, type TieredCategory } from './rate-card.ts'

/**
 * Pure cost of messages counted per bucket. Volume tiers count per business portfolio, market and
 * category (utility, authentication), per calendar month in UTC (Meta uses each WABA's timezone),
 * and only charged messages (pricing type `regular`) count. The n-th charged message of a month
 * is priced at the band holding n; a bucket whose messages cross a band boundary is split.
 */

/** Messages of one bucket with one set of dimensions (what a usage counter holds). */
export interface UsageCell {
  /** Bucket start and end (exclusive), unix seconds. */
  start: number
  end: number
  phoneNumberId: string
  /** Business portfolio of the number (tiers count across its WABAs). */
  portfolio: string
  /** ISO 3166-1 alpha-2 country of the recipients ('' unknown: market "Other"). */
  country: string
  /** Meta's webhook `pricing.category`, lower case (`authentication-international`, `marketing_lite`…). */
  category: string
  /** Meta's webhook `pricing.type`, lower case (`regular`, `free_customer_service`, `free_entry_point`). */
  type: string
  volume: number
}

/** The messages of a cell inside one volume band. */
export interface BandShare {
  /** Meta's TIER form, `{from}:{to}` or `{from}:MAX`. */
  tier: string
  volume: number
  costMicros: number
}

/** What pricing adds to a cell. */
export interface Priced {
  market: string
  /** Cost in millionths of the card's currency. */
  costMicros: number
  /** For charged messages of a tiered category in a market with bands: the split by band; else empty. */
  bands: BandShare[]
}

export type PricedCell = UsageCell & Priced

/** Charged: Meta bills the message (pricing type `regular`; `billable: true`). */
export const isCharged = (type: string): boolean => type.toLowerCase() === 'regular'

/** Normalises a category as webhooks and analytics spell it (AUTHENTICATION_INTERNATIONAL, authentication-international). */
export const normalCategory = (category: string): string => category.toLowerCase().replaceAll('_', '-')

/** The flat rate (micros) of a category in a market, and whether volume tiers apply to it. */
export function flatRate (rates: MarketRates, category: string): { micros: number, tiered: TieredCategory | undefined } {
  switch (normalCategory(category)) {
    case 'marketing':
    case 'marketing-lite': return { micros: rates.marketing, tiered: undefined }
    case 'utility': return { micros: rates.utility, tiered: 'utility' }
    case 'authentication': return { micros: rates.authentication, tiered: 'authentication' }
    case 'authentication-international': return { micros: rates.authenticationInternational ?? rates.authentication, tiered: undefined }
    case 'service': return { micros: rates.service, tiered: undefined }
    // referral_conversion (free entry point) and anything unknown: no charge.
    default: return { micros: 0, tiered: undefined }
  }
}

export const tierName = (band: TierBand): string => `${band.from}:${band.to ?? 'MAX'}`

/**
 * Splits the charged messages `before + 1 … before + volume` of a month over the bands. Bands are
 * contiguous from 0 or 1 and the last is open (rate-card.ts checks both).
 */
export function splitOverBands (bands: readonly TierBand[], before: number, volume: number): BandShare[] {
  const shares: BandShare[] = []
  let n = before + 1
  let left = volume
  for (const band of bands) {
    if (left <= 0) break
    const to = band.to ?? Infinity
    if (n > to) continue
    const take = Math.min(left, to - n + 1)
    shares.push({ tier: tierName(band), volume: take, costMicros: take * band.micros })
    n += take
    left -= take
  }
  return shares
}

/** Start of the UTC month holding `tS` (unix seconds). */
export function monthStartS (tS: number): number {
  const d = new Date(tS * 1000)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000
}

/** Market of a cell under a card. */
export function cellMarket (card: RateCard, country: string): string {
  return marketOfCountry(card.countries, country)
}

/**
 * Prices cells. Cells are taken in time order, then by phone number id, country, category and
 * type: within one bucket this order decides which cell's messages take the lower band positions
 * when the bucket crosses a band boundary (a counter cannot tell the real order; the portfolio's
 * total is exact either way). The card effective at each cell's start applies. Cells before the
 * ones wanted (the month so far) must be passed too: they advance the tier counts; drop their
 * results afterwards (extra properties of a cell are kept in its result).
 */
export function priceCells<C extends UsageCell> (cells: readonly C[], cards: RateCardSet): Array<C & Priced> {
  const ordered = [...cells].sort((x, y) => x.start - y.start || x.end - y.end ||
    cmp(x.phoneNumberId, y.phoneNumberId) || cmp(x.country, y.country) || cmp(x.category, y.category) || cmp(x.type, y.type))
  const monthly = new Map<string, number>()
  return ordered.map((cell) => {
    const card = cardAt(cards, cell.start * 1000)
    const market = cellMarket(card, cell.country)
    const rates = card.markets.get(market)!
    if (!isCharged(cell.type) || cell.volume <= 0) return { ...cell, market, costMicros: 0, bands: [] }
    const { micros, tiered } = flatRate(rates, cell.category)
    const bands = tiered === undefined ? [] : rates.tiers[tiered]
    if (tiered === undefined) return { ...cell, market, costMicros: micros * cell.volume, bands: [] }
    // Charged messages of a tiered category count toward the month's volume even where the market has no bands.
    const key = `${cell.portfolio}\u0000${market}\u0000${tiered}\u0000${monthStartS(cell.start)}`
    const before = monthly.get(key) ?? 0
    monthly.set(key, before + cell.volume)
    if (bands.length === 0) return { ...cell, market, costMicros: micros * cell.volume, bands: [] }
    const shares = splitOverBands(bands, before, cell.volume)
    return { ...cell, market, costMicros: shares.reduce((sum, s) => sum + s.costMicros, 0), bands: shares }
  })
}

const cmp = (a: string, b: string): number => a < b ? -1 : a > b ? 1 : 0
