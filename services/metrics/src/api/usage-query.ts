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

/** pricing_analytics metric types, dimensions and filter values (whatsapp-cloud-api.md §7). */
export const METRIC_TYPES = ['COST', 'VOLUME'] as const
export type MetricType = typeof METRIC_TYPES[number]
export const DIMENSIONS = ['COUNTRY', 'PHONE', 'PRICING_CATEGORY', 'PRICING_TYPE', 'TIER'] as const
export type Dimension = typeof DIMENSIONS[number]
/** Without `dimensions`: every one but TIER (the answer before dimensions existed, plus country). */
export const DEFAULT_DIMENSIONS: readonly Dimension[] = ['COUNTRY', 'PHONE', 'PRICING_CATEGORY', 'PRICING_TYPE']
export const PRICING_TYPES = ['FREE_CUSTOMER_SERVICE', 'FREE_ENTRY_POINT', 'REGULAR'] as const
export const PRICING_CATEGORIES = ['AUTHENTICATION', 'AUTHENTICATION_INTERNATIONAL', 'MARKETING', 'MARKETING_LITE', 'SERVICE', 'UTILITY', 'REFERRAL_CONVERSION'] as const

/** A list as Meta takes it (`["US","IN"]`) or comma-separated (`US,IN`); each item must match. */
function list<T extends string> (what: string, check: (item: string) => T | undefined) {
  return z.string().transform((s, ctx) => {
    const items = s.trim().replace(/^\[(.*)\]$/s, '$1').split(',').map((x) => x.trim().replace(/^"(.*)"$/, '$1')).filter((x) => x !== '')
    const out: T[] = []
    for (const item of items) {
      const ok = check(item)
      if (ok === undefined) {
        ctx.addIssue({ code: 'custom', message: `'${item}' is not ${what}` })
        return z.NEVER
      }
      if (!out.includes(ok)) out.push(ok)
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must list at least one ${what}` })
      return z.NEVER
    }
    return out
  })
}
const oneOf = <T extends string>(values: readonly T[]) => list(`one of ${values.join(', ')}`, (x) => values.find((v) => v === x.toUpperCase()))

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
    .describe(`UTC buckets; at most ${MAX_BUCKETS} per query.`),
  metric_types: oneOf(METRIC_TYPES).optional().describe('COST, VOLUME or both (comma-separated or a JSON array, as Meta); default both.'),
  dimensions: oneOf(DIMENSIONS).optional()
    .describe(`Fields data points are split by: ${DIMENSIONS.join(', ')}; default ${DEFAULT_DIMENSIONS.join(', ')}. Dimensions not asked for are summed over and left out of the points.`),
  phone_numbers: list('a display phone number (digits)', (x) => /^\+?\d{5,20}$/.test(x) ? x.replace('+', '') : undefined).optional()
    .describe('Only these display phone numbers (as Meta\'s filter).'),
  country_codes: list('an ISO 3166-1 alpha-2 code', (x) => /^[A-Za-z]{2}$/.test(x) ? x.toUpperCase() : undefined).optional()
    .describe('Only recipients of these countries.'),
  pricing_types: oneOf(PRICING_TYPES).optional().describe(`Only these pricing types: ${PRICING_TYPES.join(', ')}.`),
  pricing_categories: oneOf(PRICING_CATEGORIES).optional().describe(`Only these pricing categories: ${PRICING_CATEGORIES.join(', ')}.`)
})

export interface UsageQuery {
  phoneNumberIds: string[] | undefined
  wabaIds: string[] | undefined
  /** Epoch ms; the first bucket is the one holding it. */
  startMs: number
  /** Epoch ms, exclusive. */
  endMs: number
  granularity: Granularity
  metricTypes: MetricType[]
  dimensions: Dimension[]
  phoneNumbers: string[] | undefined
  countryCodes: string[] | undefined
  pricingTypes: string[] | undefined
  pricingCategories: string[] | undefined
}

function describe (issue: z.core.$ZodIssue, query: Record<string, unknown>): { parameter: string | undefined, message: string } {
  if (issue.code === 'unrecognized_keys') {
    return { parameter: issue.keys[0], message: `unknown parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}; expected ${Object.keys(UsageQuerySchema.shape).join(', ')}` }
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
  return {
    phoneNumberIds: q.phone_number_id,
    wabaIds: q.waba_id,
    startMs: q.start,
    endMs: q.end,
    granularity: q.granularity,
    metricTypes: q.metric_types ?? [...METRIC_TYPES],
    dimensions: q.dimensions ?? [...DEFAULT_DIMENSIONS],
    phoneNumbers: q.phone_numbers,
    countryCodes: q.country_codes,
    pricingTypes: q.pricing_types,
    pricingCategories: q.pricing_categories
  }
}
