import type { NumberInfo, ReachStats } from '../alerts/context.ts'
import { bucketEnd, bucketStart } from '../state/keys.ts'
import { GRANULARITIES, type UsageQuery } from './usage-query.ts'
import type { ViewIndex } from '../changelog/view-index.ts'

/** One point of Meta's pricing_analytics (whatsapp-cloud-api.md §7), plus the phone number id. */
export interface PricingPoint {
  start: number
  end: number
  phone_number: string
  phone_number_id: string
  pricing_category: string
  pricing_type: string
  volume: number
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
  data: Array<{ granularity: string, data_points: PricingPoint[] }>
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

/**
 * The answer to GET /v1/usage from the committed totals: pricing points shaped like Meta's
 * pricing_analytics, and our own counts per number and bucket. Buckets without data are omitted.
 */
export function buildUsageReport (query: UsageQuery, totals: ViewIndex['totals'], numbers: Map<string, NumberInfo>, reach: ReachStats): UsageReport {
  const grain = GRANULARITIES[query.granularity]
  const phones = query.phoneNumberIds && new Set(query.phoneNumberIds)
  const wabas = query.wabaIds && new Set(query.wabaIds)
  const wanted = (pn: string) => (!phones || phones.has(pn)) && (!wabas || wabas.has(numbers.get(pn)?.wabaId ?? ''))
  const pricing: PricingPoint[] = []
  const counts: CountsPoint[] = []
  for (let start = bucketStart(grain, query.startMs); start * 1000 < query.endMs; start = bucketEnd(grain, start)) {
    const bucket = totals.get(`${grain}|${start}`)
    if (!bucket) continue
    const end = bucketEnd(grain, start)
    const points = new Map<string, CountsPoint>()
    for (const [dims, n] of bucket) {
      const [metric = '', pn = '', a = '', b = ''] = dims.split('|')
      if (metric === 'ev' || !wanted(pn)) continue
      if (metric === 'bill') {
        const info = numbers.get(pn)
        pricing.push({ start, end, phone_number: info?.display || pn, phone_number_id: pn, pricing_category: toMeta(a), pricing_type: toMeta(b), volume: n })
        continue
      }
      let point = points.get(pn)
      if (!point) points.set(pn, point = emptyCounts(start, end, pn, numbers.get(pn)))
      addTo(point, metric, a, b, n)
    }
    counts.push(...[...points.values()].sort((x, y) => x.phone_number_id.localeCompare(y.phone_number_id)))
  }
  pricing.sort((x, y) => x.start - y.start || x.phone_number_id.localeCompare(y.phone_number_id) ||
    x.pricing_category.localeCompare(y.pricing_category) || x.pricing_type.localeCompare(y.pricing_type))
  const reachedNumbers: Record<string, number> = {}
  const reachedWabas: Record<string, number> = {}
  for (const [pn, n] of reach.byNumber) {
    if (!wanted(pn)) continue
    reachedNumbers[pn] = n
    const waba = numbers.get(pn)?.wabaId
    if (waba) reachedWabas[waba] = reach.byWaba.get(waba) ?? 0
  }
  return {
    data: [{ granularity: query.granularity, data_points: pricing }],
    counts: { granularity: query.granularity, data_points: counts },
    unique_customers_24h: { phone_numbers: reachedNumbers, wabas: reachedWabas }
  }
}
