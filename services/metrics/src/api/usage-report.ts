import { fromMicros, priceCells, type UsageCell } from '@wabridge/pricing'
import type { NumberInfo, ReachStats } from '../alerts/context.ts'
import type { UsagePricing } from '../pricing/usage-pricing.ts'
import { bucketEnd, bucketStart, type Grain } from '../state/keys.ts'
import { GRANULARITIES, type UsageQuery } from './usage-query.ts'
import type { ViewIndex } from '../changelog/view-index.ts'

/**
 * One point of Meta's pricing_analytics (whatsapp-cloud-api.md §7), plus the phone number id.
 * Only the fields of the dimensions and metric types asked for are present.
 */
export interface PricingPoint {
  start: number
  end: number
  /** ISO 3166-1 alpha-2 of the recipients; '' when not known. */
  country?: string
  phone_number?: string
  phone_number_id?: string
  /** `{from}:{to|MAX}`: charged utility / authentication messages of a market with volume tiers. */
  tier?: string
  pricing_type?: string
  pricing_category?: string
  volume?: number
  /** In the rate card's currency. */
  cost?: number
}

/** Our own counts for one number and bucket. */
export interface CountsPoint {
  start: number
  end: number
  phone_number: string
  phone_number_id: string
  waba_id: string | null
  inbound_messages: { total: number, by_type: Record<string, number> }
  outbound_requests: { total: number, accepted: number, failed: number, expired: number, unknown: number, failed_by_error_code: Record<string, number> }
  statuses: Record<string, number>
  status_errors_by_code: Record<string, number>
  conversations_by_origin: Record<string, number>
  rate_limit_errors_by_code: Record<string, number>
}

export interface UsageReport {
  data: Array<{ granularity: string, currency: string, data_points: PricingPoint[] }>
  counts: { granularity: string, data_points: CountsPoint[] }
  /** Distinct customers reached in the 24 h before the query, per number and per WABA in the answer. */
  unique_customers_24h: { phone_numbers: Record<string, number>, wabas: Record<string, number> }
}

const toMeta = (s: string) => s.toUpperCase().replaceAll('-', '_')
const bump = (rec: Record<string, number>, key: string, n: number) => { rec[key] = (rec[key] ?? 0) + n }

function emptyCounts (start: number, end: number, pn: string, info: NumberInfo | undefined): CountsPoint {
  return {
    start,
    end,
    phone_number: info?.display || pn,
    phone_number_id: pn,
    waba_id: info?.wabaId || null,
    inbound_messages: { total: 0, by_type: {} },
    outbound_requests: { total: 0, accepted: 0, failed: 0, expired: 0, unknown: 0, failed_by_error_code: {} },
    statuses: { sent: 0, delivered: 0, read: 0, failed: 0 },
    status_errors_by_code: {},
    conversations_by_origin: {},
    rate_limit_errors_by_code: {}
  }
}

function addTo (point: CountsPoint, metric: string, a: string, b: string, n: number): void {
  switch (metric) {
    case 'in': point.inbound_messages.total += n; bump(point.inbound_messages.by_type, a, n); break
    case 'st': bump(point.statuses, a, n); break
    case 'sterr': bump(point.status_errors_by_code, a, n); break
    case 'conv': bump(point.conversations_by_origin, a, n); break
    case 'rl': bump(point.rate_limit_errors_by_code, a, n); break
    case 'res': {
      const out = point.outbound_requests
      out.total += n
      if (a === 'accepted' || a === 'failed' || a === 'expired' || a === 'unknown') out[a] += n
      if (a === 'failed' && b !== '') bump(out.failed_by_error_code, b, n)
      break
    }
  }
}

const BILLED = 'billm|'

/**
 * The billed-message cells (`billm` counters) of the query's buckets and, before them, of the
 * month so far (days, then half hours of the first day): tiers count from the month's start.
 */
function billedCells (query: UsageQuery, totals: ViewIndex['totals'], numbers: Map<string, NumberInfo>, pricing: UsagePricing): Array<UsageCell & { wanted: boolean }> {
  const grain = GRANULARITIES[query.granularity]
  const first = bucketStart(grain, query.startMs)
  const cells: Array<UsageCell & { wanted: boolean }> = []
  const portfolios = new Map<string, string>()
  const collect = (g: Grain, start: number, wanted: boolean) => {
    const bucket = totals.get(`${g}|${start}`)
    if (!bucket) return
    const end = bucketEnd(g, start)
    for (const [dims, volume] of bucket) {
      if (!dims.startsWith(BILLED)) continue
      const [, pn = '', category = '', typeCountry = ''] = dims.split('|')
      const colon = typeCountry.lastIndexOf(':')
      let portfolio = portfolios.get(pn)
      if (portfolio === undefined) portfolios.set(pn, portfolio = pricing.portfolioOf(pn, numbers.get(pn)?.wabaId || undefined))
      cells.push({ start, end, phoneNumberId: pn, portfolio, country: typeCountry.slice(colon + 1), category, type: typeCountry.slice(0, colon), volume, wanted })
    }
  }
  if (grain !== 'M') {
    const day = bucketStart('D', first * 1000)
    for (let d = bucketStart('M', first * 1000); d < day; d = bucketEnd('D', d)) collect('D', d, false)
    if (grain === 'H') for (let h = day; h < first; h = bucketEnd('H', h)) collect('H', h, false)
  }
  for (let start = first; start * 1000 < query.endMs; start = bucketEnd(grain, start)) collect(grain, start, true)
  return cells
}

/**
 * Data points shaped like Meta's pricing_analytics: volumes and costs of messages with pricing,
 * once per message id, split by the dimensions asked for. Tiers count over every number of a
 * portfolio, whatever the filters.
 */
export function buildPricingPoints (query: UsageQuery, totals: ViewIndex['totals'], numbers: Map<string, NumberInfo>, pricing: UsagePricing): PricingPoint[] {
  const cards = pricing.cards()
  const dims = new Set(query.dimensions)
  const phones = query.phoneNumberIds && new Set(query.phoneNumberIds)
  const wabas = query.wabaIds && new Set(query.wabaIds)
  const points = new Map<string, PricingPoint & { micros: number, n: number }>()
  for (const cell of priceCells(billedCells(query, totals, numbers, pricing), cards)) {
    if (!cell.wanted) continue
    const pn = cell.phoneNumberId
    const info = numbers.get(pn)
    const display = info?.display || pn
    const type = toMeta(cell.type)
    const category = toMeta(cell.category)
    if ((phones && !phones.has(pn)) || (wabas && !wabas.has(info?.wabaId ?? '')) || (query.phoneNumbers && !query.phoneNumbers.includes(display)) ||
      (query.countryCodes && !query.countryCodes.includes(cell.country)) || (query.pricingTypes && !query.pricingTypes.includes(type)) ||
      (query.pricingCategories && !query.pricingCategories.includes(category))) continue
    const shares = dims.has('TIER') && cell.bands.length > 0 ? cell.bands : [{ tier: undefined, volume: cell.volume, costMicros: cell.costMicros }]
    for (const share of shares) {
      const point: PricingPoint = { start: cell.start, end: cell.end }
      if (dims.has('COUNTRY')) point.country = cell.country
      if (dims.has('PHONE')) { point.phone_number = display; point.phone_number_id = pn }
      if (share.tier !== undefined) point.tier = share.tier
      if (dims.has('PRICING_TYPE')) point.pricing_type = type
      if (dims.has('PRICING_CATEGORY')) point.pricing_category = category
      const key = [point.start, point.country, point.phone_number_id, point.tier, point.pricing_type, point.pricing_category].join('|')
      let acc = points.get(key)
      if (!acc) points.set(key, acc = { ...point, micros: 0, n: 0 })
      acc.n += share.volume
      acc.micros += share.costMicros
    }
  }
  const wantVolume = query.metricTypes.includes('VOLUME')
  const wantCost = query.metricTypes.includes('COST')
  return [...points.values()]
    .sort((x, y) => x.start - y.start || cmp(x.phone_number_id, y.phone_number_id) || cmp(x.country, y.country) ||
      cmp(x.pricing_category, y.pricing_category) || cmp(x.pricing_type, y.pricing_type) || tierFrom(x.tier) - tierFrom(y.tier))
    .map(({ micros, n, ...point }) => ({ ...point, ...(wantVolume ? { volume: n } : {}), ...(wantCost ? { cost: fromMicros(micros) } : {}) }))
}

const tierFrom = (tier: string | undefined): number => tier === undefined ? -1 : parseInt(tier, 10)
const cmp = (a: string | undefined, b: string | undefined): number => (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0

/**
 * The answer to GET /v1/usage from the committed totals: pricing points shaped like Meta's
 * pricing_analytics (buildPricingPoints), and our own counts per number and bucket. Buckets
 * without data are omitted.
 */
export function buildUsageReport (query: UsageQuery, totals: ViewIndex['totals'], numbers: Map<string, NumberInfo>, reach: ReachStats, pricing: UsagePricing): UsageReport {
  const grain = GRANULARITIES[query.granularity]
  const phones = query.phoneNumberIds && new Set(query.phoneNumberIds)
  const wabas = query.wabaIds && new Set(query.wabaIds)
  const wanted = (pn: string) => (!phones || phones.has(pn)) && (!wabas || wabas.has(numbers.get(pn)?.wabaId ?? ''))
  const counts: CountsPoint[] = []
  for (let start = bucketStart(grain, query.startMs); start * 1000 < query.endMs; start = bucketEnd(grain, start)) {
    const bucket = totals.get(`${grain}|${start}`)
    if (!bucket) continue
    const end = bucketEnd(grain, start)
    const points = new Map<string, CountsPoint>()
    for (const [dims, n] of bucket) {
      const [metric = '', pn = '', a = '', b = ''] = dims.split('|')
      // Messages with pricing are the data points (from 'billm'; 'bill' is the same without the country).
      if (metric === 'ev' || metric === 'bill' || metric === 'billm' || !wanted(pn)) continue
      let point = points.get(pn)
      if (!point) points.set(pn, point = emptyCounts(start, end, pn, numbers.get(pn)))
      addTo(point, metric, a, b, n)
    }
    counts.push(...[...points.values()].sort((x, y) => x.phone_number_id.localeCompare(y.phone_number_id)))
  }
  const reachedNumbers: Record<string, number> = {}
  const reachedWabas: Record<string, number> = {}
  for (const [pn, n] of reach.byNumber) {
    if (!wanted(pn)) continue
    reachedNumbers[pn] = n
    const waba = numbers.get(pn)?.wabaId
    if (waba) reachedWabas[waba] = reach.byWaba.get(waba) ?? 0
  }
  return {
    data: [{ granularity: query.granularity, currency: pricing.cards().currency, data_points: buildPricingPoints(query, totals, numbers, pricing) }],
    counts: { granularity: query.granularity, data_points: counts },
    unique_customers_24h: { phone_numbers: reachedNumbers, wabas: reachedWabas }
  }
}
