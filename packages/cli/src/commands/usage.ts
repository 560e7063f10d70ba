import { CliError } from '../context.ts'

export interface UsageOptions {
  metrics: string
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
    res = await fetch(url)
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

/** Prints every data point (pricing_analytics shape: data[].data_points[]) as aligned columns. */
export function printTable (body: Record<string, unknown>): void {
  const groups = Array.isArray(body.data) ? body.data as Array<{ data_points?: Array<Record<string, unknown>> }> : []
  const points = groups.flatMap((g) => g.data_points ?? [])
  if (points.length === 0) {
    process.stdout.write('no usage in that period\n')
    return
  }
  const columns = [...new Set(points.flatMap((p) => Object.keys(p)))]
  // start and end are Unix seconds, as in Meta's pricing_analytics.
  const cell = (column: string, v: unknown) => (column === 'start' || column === 'end') && typeof v === 'number'
    ? new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')
    : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '')
  const widths = columns.map((c) => Math.max(c.length, ...points.map((p) => cell(c, p[c]).length)))
  process.stdout.write(columns.map((c, i) => c.padEnd(widths[i]!)).join('  ') + '\n')
  for (const p of points) process.stdout.write(columns.map((c, i) => cell(c, p[c]).padEnd(widths[i]!)).join('  ') + '\n')
}
