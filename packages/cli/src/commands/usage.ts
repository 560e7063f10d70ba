import { fetchPricingAnalytics, PricingAnalyticsError, type PricingDataPoint, type PricingGranularity } from '@wabridge/graph-api'
import { CliError } from '../context.ts'

export interface UsageOptions {
  metrics: string
  /** The metrics service's METRICS_ADMIN_TOKEN, sent as a bearer token when set. */
  metricsToken?: string
  /** Required here; optional in the parser so that `usage reconcile` does not need it. */
  number?: string
  start?: string
  end?: string
  granularity: string
  json?: boolean
}

/** Queries the metrics service's usage API and prints a table (or the JSON with --json). */
export async function usage (o: UsageOptions): Promise<number> {
  if (!o.number) throw new CliError("required option '--number <phone_number_id>' not specified", 2)
  const end = o.end ? Date.parse(o.end) : Date.now()
  const start = o.start ? Date.parse(o.start) : end - 24 * 3600_000
  if (Number.isNaN(start) || Number.isNaN(end)) throw new CliError('--start and --end must be ISO date-times', 2)
  const url = new URL('/v1/usage', o.metrics)
  url.searchParams.set('phone_number_id', o.number)
  url.searchParams.set('start', String(Math.floor(start / 1000)))
  url.searchParams.set('end', String(Math.ceil(end / 1000)))
  url.searchParams.set('granularity', o.granularity)
  let res: Response
  try {
    res = await fetch(url, o.metricsToken ? { headers: { authorization: `Bearer ${o.metricsToken}` } } : {})
  } catch {
    throw new CliError(`the metrics service does not answer at ${url.origin} (npm start runs it; or --metrics URL)`)
  }
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (!res.ok) throw new CliError(`metrics refused the query: ${String((body.error as { message?: string } | undefined)?.message ?? body.message ?? JSON.stringify(body))}`)
  if (o.json) {
    process.stdout.write(JSON.stringify(body, null, 2) + '\n')
    return 0
  }
  printTable(body)
  return 0
}

type Row = Record<string, unknown>

function table (title: string, rows: Row[]): void {
  if (rows.length === 0) return
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  // start and end are Unix seconds, as in Meta's pricing_analytics.
  const cell = (column: string, v: unknown) => (column === 'start' || column === 'end') && typeof v === 'number'
    ? new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')
    : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '')
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(c, r[c]).length)))
  process.stdout.write(`${title}\n`)
  process.stdout.write(columns.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n')
  for (const r of rows) process.stdout.write(columns.map((c, i) => cell(c, r[c]).padEnd(widths[i]!)).join('  ') + '\n')
  process.stdout.write('\n')
}

interface CountsPoint {
  start: number
  phone_number_id: string
  inbound_messages?: { total?: number }
  outbound_requests?: { accepted?: number, failed?: number, expired?: number, unknown?: number }
  statuses?: Record<string, number>
}

/**
 * Prints the usage answer: billable volume per pricing category and type (Meta's
 * pricing_analytics points, data[].data_points[]) and the gateway's own counts per bucket.
 */
export function printTable (body: Record<string, unknown>): void {
  const pricing = (Array.isArray(body.data) ? body.data as Array<{ data_points?: Row[] }> : []).flatMap((g) => g.data_points ?? [])
  const counts = ((body.counts as { data_points?: CountsPoint[] } | undefined)?.data_points ?? []).map((p) => ({
    start: p.start,
    phone_number_id: p.phone_number_id,
    inbound: p.inbound_messages?.total ?? 0,
    accepted: p.outbound_requests?.accepted ?? 0,
    failed: p.outbound_requests?.failed ?? 0,
    expired: p.outbound_requests?.expired ?? 0,
    unknown: p.outbound_requests?.unknown ?? 0,
    sent: p.statuses?.sent ?? 0,
    delivered: p.statuses?.delivered ?? 0,
    read: p.statuses?.read ?? 0
  }))
  if (pricing.length === 0 && counts.length === 0) {
    process.stdout.write('no usage in that period\n')
    return
  }
  table('messages and statuses', counts)
  table('billable messages (pricing_analytics)', pricing)
}

export interface ReconcileOptions {
  waba: string
  start?: string
  end?: string
  granularity: string
  /** Meta's Graph API (or the simulator). */
  graphUrl: string
  apiVersion: string
  /** A token that may read the WABA (WA_ACCESS_TOKEN). */
  token?: string
  metrics: string
  metricsToken?: string
  json?: boolean
}

/** The dimensions both sides are compared by. */
const DIMENSIONS = ['COUNTRY', 'PHONE', 'PRICING_CATEGORY', 'PRICING_TYPE'] as const

/** One bucket, number, category, type and country where Meta and the gateway disagree. */
export interface UsageDifference {
  start: number
  phone_number: string
  pricing_category: string
  pricing_type: string
  country: string
  meta_volume: number
  gateway_volume: number
  meta_cost: number
  gateway_cost: number
}

/** Unix seconds from `--start`/`--end`: unix seconds or an ISO 8601 date. */
function seconds (flag: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text)
  if (!Number.isFinite(ms)) throw new CliError(`${flag} must be unix seconds or an ISO 8601 date`, 2)
  return Math.floor(ms / 1000)
}

const key = (p: Omit<PricingDataPoint, 'end'>) => [p.start, p.phone_number ?? '', p.pricing_category ?? '', p.pricing_type ?? '', p.country ?? ''].join('|')
/** Costs are compared to the millionth (the gateway's precision). */
const micros = (cost: number | undefined) => Math.round((cost ?? 0) * 1e6)

/**
 * Every (bucket, phone number, pricing category, pricing type, country) whose volume or cost
 * differs between Meta's pricing_analytics and the gateway's usage API; a side missing a point
 * counts as zero there.
 */
export function diffPricing (meta: readonly PricingDataPoint[], gateway: readonly PricingDataPoint[]): UsageDifference[] {
  const rows = new Map<string, UsageDifference>()
  const row = (p: PricingDataPoint) => {
    let r = rows.get(key(p))
    if (!r) {
      rows.set(key(p), r = {
        start: p.start,
        phone_number: p.phone_number ?? '',
        pricing_category: p.pricing_category ?? '',
        pricing_type: p.pricing_type ?? '',
        country: p.country ?? '',
        meta_volume: 0,
        gateway_volume: 0,
        meta_cost: 0,
        gateway_cost: 0
      })
    }
    return r
  }
  for (const p of meta) { const r = row(p); r.meta_volume += p.volume ?? 0; r.meta_cost += micros(p.cost) }
  for (const p of gateway) { const r = row(p); r.gateway_volume += p.volume ?? 0; r.gateway_cost += micros(p.cost) }
  return [...rows.values()]
    .filter((r) => r.meta_volume !== r.gateway_volume || r.meta_cost !== r.gateway_cost)
    .map((r) => ({ ...r, meta_cost: r.meta_cost / 1e6, gateway_cost: r.gateway_cost / 1e6 }))
    .sort((a, b) => a.start - b.start || key(a).localeCompare(key(b)))
}

/**
 * `wabridge usage reconcile`: fetches Meta's (or the simulator's) pricing_analytics of a WABA and
 * the gateway's usage API for the same period, prints every difference; 1 when any, else 0.
 */
export async function reconcileUsage (o: ReconcileOptions): Promise<number> {
  if (!o.start || !o.end) throw new CliError("--start and --end are required: 'wabridge usage reconcile --waba <id> --start <time> --end <time>'", 2)
  const start = seconds('--start', o.start)
  const end = seconds('--end', o.end)
  if (end <= start) throw new CliError('--end must be after --start', 2)
  if (!o.token) throw new CliError('a Graph API token is needed (--token or WA_ACCESS_TOKEN)', 2)
  const granularity = o.granularity as PricingGranularity
  let meta: PricingDataPoint[]
  try {
    meta = await fetchPricingAnalytics({ wabaId: o.waba, token: o.token, start, end, granularity, dimensions: DIMENSIONS, metricTypes: ['COST', 'VOLUME'], baseUrl: o.graphUrl, apiVersion: o.apiVersion })
  } catch (err) {
    if (err instanceof PricingAnalyticsError) throw new CliError(`the Graph API refused pricing_analytics: ${err.message}`)
    throw new CliError(`the Graph API does not answer at ${o.graphUrl}: ${(err as Error).message}`)
  }
  const url = new URL('/v1/usage', o.metrics)
  for (const [name, value] of Object.entries({ waba_id: o.waba, start: String(start), end: String(end), granularity, dimensions: DIMENSIONS.join(','), metric_types: 'COST,VOLUME' })) url.searchParams.set(name, value)
  let res: Response
  try {
    res = await fetch(url, o.metricsToken ? { headers: { authorization: `Bearer ${o.metricsToken}` } } : {})
  } catch {
    throw new CliError(`the metrics service does not answer at ${url.origin} (npm start runs it; or --metrics URL)`)
  }
  const body = await res.json().catch(() => ({})) as { data?: Array<{ data_points?: PricingDataPoint[] }>, error?: { message?: string } }
  if (!res.ok) throw new CliError(`metrics refused the query: ${body.error?.message ?? JSON.stringify(body)}`)
  const gateway = (body.data ?? []).flatMap((d) => d.data_points ?? [])
  const differences = diffPricing(meta, gateway)
  if (o.json) process.stdout.write(JSON.stringify({ meta_points: meta.length, gateway_points: gateway.length, differences }, null, 2) + '\n')
  else if (differences.length === 0) process.stdout.write(`no difference: ${meta.length} data points of WABA ${o.waba} agree\n`)
  else table(`${differences.length} difference(s) between Meta's pricing_analytics and the gateway (WABA ${o.waba})`, differences as unknown as Row[])
  return differences.length === 0 ? 0 : 1
}
