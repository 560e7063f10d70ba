import { CliError } from '../context.ts'

export interface UsageOptions {
  metrics: string
  /** The metrics service's METRICS_ADMIN_TOKEN, sent as a bearer token when set. */
  metricsToken?: string
  number: string
  start?: string
  end?: string
  granularity: string
  json?: boolean
}

/** Queries the metrics service's usage API and prints a table (or the JSON with --json). */
export async function usage (o: UsageOptions): Promise<number> {
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
