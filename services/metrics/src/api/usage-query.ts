import { z } from 'zod'
import { MetricsQueryError } from '../errors.ts'
import { bucketEnd, bucketStart, type Grain } from '../state/keys.ts'

/** Meta's pricing_analytics granularities and the counter grain answering each. */
export const GRANULARITIES = { HALF_HOUR: 'H', DAILY: 'D', MONTHLY: 'M' } as const satisfies Record<string, Grain>
export type Granularity = keyof typeof GRANULARITIES

/** Most buckets one query may span (HALF_HOUR over 100 days is 4,800). */
export const MAX_BUCKETS = 5000

const ids = z.string().regex(/^\d+(,\d+)*$/, 'must be a comma-separated list of numeric ids')
  .transform((s) => s.split(','))

const time = z.string().transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) * 1000 : /^\d{4}-\d{2}-\d{2}/.test(s) ? Date.parse(s) : NaN
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be a unix timestamp in seconds or an ISO 8601 date' })
    return z.NEVER
  }
  return ms
})

/**
 * The query string of GET /v1/usage: parseUsageQuery validates with it and /openapi.json is
 * generated from it (its input side: the texts a client sends).
 */
export const UsageQuerySchema = z.strictObject({
  phone_number_id: ids.optional().describe('Only these phone number ids (comma-separated).'),
  waba_id: ids.optional().describe('Only numbers of these WABA ids (comma-separated).'),
  start: time.describe('Unix seconds (as Meta) or an ISO 8601 date: the first bucket is the one holding it.'),
  end: time.describe('Unix seconds or an ISO 8601 date, exclusive; after start.'),
  granularity: z.enum(Object.keys(GRANULARITIES) as [Granularity, ...Granularity[]]).default('DAILY')
    .describe(`UTC buckets; at most ${MAX_BUCKETS} per query.`)
})

export interface UsageQuery {
  phoneNumberIds: string[] | undefined
  wabaIds: string[] | undefined
  /** Epoch ms; the first bucket is the one holding it. */
  startMs: number
  /** Epoch ms, exclusive. */
  endMs: number
  granularity: Granularity
}

function describe (issue: z.core.$ZodIssue, query: Record<string, unknown>): { parameter: string | undefined, message: string } {
  if (issue.code === 'unrecognized_keys') {
    return { parameter: issue.keys[0], message: `unknown parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}; expected phone_number_id, waba_id, start, end, granularity` }
  }
  const parameter = issue.path.map(String)[0]
  // zod 4 leaves the input out of issues: whether the parameter was there at all comes from the query.
  if (issue.code === 'invalid_type') return { parameter, message: `${parameter}: ${parameter !== undefined && parameter in query ? 'must be given once, as text' : 'is required'}` }
  if (issue.code === 'invalid_value') return { parameter, message: `${parameter}: must be one of ${issue.values.map(String).join(', ')}` }
  return { parameter, message: `${parameter}: ${issue.message}` }
}

/** Validates the query string of GET /v1/usage; throws MetricsQueryError naming the parameter. */
export function parseUsageQuery (query: unknown): UsageQuery {
  const input = (query ?? {}) as Record<string, unknown>
  const parsed = UsageQuerySchema.safeParse(input)
  if (!parsed.success) {
    const { parameter, message } = describe(parsed.error.issues[0]!, input)
    throw new MetricsQueryError(message, parameter)
  }
  const q = parsed.data
  if (q.end <= q.start) throw new MetricsQueryError('end: must be after start', 'end')
  const grain = GRANULARITIES[q.granularity]
  let buckets = 0
  for (let b = bucketStart(grain, q.start); b * 1000 < q.end; b = bucketEnd(grain, b)) {
    if (++buckets > MAX_BUCKETS) throw new MetricsQueryError(`start: the range spans more than ${MAX_BUCKETS} ${q.granularity} buckets; narrow it or use a coarser granularity`, 'start')
  }
  return { phoneNumberIds: q.phone_number_id, wabaIds: q.waba_id, startMs: q.start, endMs: q.end, granularity: q.granularity }
}
