import { DEFAULT_API_VERSION } from './options.ts'

/** pricing_analytics granularities, dimensions and metric types (whatsapp-cloud-api.md §7). */
export type PricingGranularity = 'HALF_HOUR' | 'DAILY' | 'MONTHLY'
export type PricingDimension = 'COUNTRY' | 'PHONE' | 'PRICING_CATEGORY' | 'PRICING_TYPE' | 'TIER'
export type PricingMetricType = 'COST' | 'VOLUME'

/** One data point; only the fields of the dimensions and metric types asked for are present. */
export interface PricingDataPoint {
  start: number
  end: number
  country?: string
  phone_number?: string
  tier?: string
  pricing_type?: string
  pricing_category?: string
  volume?: number
  cost?: number
}

export interface PricingAnalyticsRequest {
  wabaId: string
  token: string
  /** Unix seconds. */
  start: number
  /** Unix seconds, exclusive. */
  end: number
  granularity: PricingGranularity
  dimensions?: readonly PricingDimension[]
  metricTypes?: readonly PricingMetricType[]
  phoneNumbers?: readonly string[]
  countryCodes?: readonly string[]
  pricingTypes?: readonly string[]
  pricingCategories?: readonly string[]
  /** Default https://graph.facebook.com. */
  baseUrl?: string
  /** Default DEFAULT_API_VERSION. */
  apiVersion?: string
  signal?: AbortSignal
}

/** Meta refused the request (its error object), or the answer was not pricing_analytics. */
export class PricingAnalyticsError extends Error {
  override readonly name = 'PricingAnalyticsError'
  readonly status: number
  readonly code: number | undefined
  constructor (message: string, status: number, code?: number) {
    super(message)
    this.status = status
    this.code = code
  }
}

const list = (values: readonly string[]) => JSON.stringify(values)

/** The `fields` expression of a pricing_analytics request. */
export function pricingAnalyticsField (r: Omit<PricingAnalyticsRequest, 'wabaId' | 'token'>): string {
  let field = `pricing_analytics.start(${r.start}).end(${r.end}).granularity(${r.granularity})`
  if (r.dimensions?.length) field += `.dimensions(${list(r.dimensions)})`
  if (r.metricTypes?.length) field += `.metric_types(${list(r.metricTypes)})`
  if (r.phoneNumbers?.length) field += `.phone_numbers(${list(r.phoneNumbers)})`
  if (r.countryCodes?.length) field += `.country_codes(${list(r.countryCodes)})`
  if (r.pricingTypes?.length) field += `.pricing_types(${list(r.pricingTypes)})`
  if (r.pricingCategories?.length) field += `.pricing_categories(${list(r.pricingCategories)})`
  return field
}

/**
 * `GET /{version}/{WABA_ID}?fields=pricing_analytics…`: every data point of the period, following
 * `paging.next` when Meta pages the answer. Counts against the app's hourly call limit: poll sparingly.
 * Throws PricingAnalyticsError on an error answer.
 */
export async function fetchPricingAnalytics (r: PricingAnalyticsRequest): Promise<PricingDataPoint[]> {
  const base = (r.baseUrl ?? 'https://graph.facebook.com').replace(/\/+$/, '')
  let url: string | undefined = `${base}/${r.apiVersion ?? DEFAULT_API_VERSION}/${encodeURIComponent(r.wabaId)}?fields=${encodeURIComponent(pricingAnalyticsField(r))}`
  const points: PricingDataPoint[] = []
  for (let pages = 0; url !== undefined && pages < 1000; pages++) {
    const res = await fetch(url, { headers: { authorization: `Bearer ${r.token}` }, ...(r.signal ? { signal: r.signal } : {}) })
    const body = await res.json().catch(() => undefined) as {
      pricing_analytics?: { data?: Array<{ data_points?: PricingDataPoint[] }>, paging?: { next?: string } }
      data?: Array<{ data_points?: PricingDataPoint[] }>
      paging?: { next?: string }
      error?: { message?: string, code?: number }
    } | undefined
    if (!res.ok || body?.error) throw new PricingAnalyticsError(body?.error?.message ?? `HTTP ${res.status}`, res.status, body?.error?.code)
    // The first page nests under pricing_analytics; the pages `next` leads to are the edge itself.
    const page = body?.pricing_analytics ?? body
    if (!page || !Array.isArray(page.data)) throw new PricingAnalyticsError('the answer has no pricing_analytics data', res.status)
    for (const d of page.data) points.push(...(d.data_points ?? []))
    url = page.paging?.next
  }
  return points
}
