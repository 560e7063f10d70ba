import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { ALERT_SEVERITIES, ALERT_STATES } from '@wabridge/schemas'
import { METRICS_ERROR_CODES } from '../errors.ts'
import { GRANULARITIES, type Granularity } from './usage-query.ts'

// The zod schemas of the query API: the routes validate with them (the query of /v1/usage is
// UsageQuerySchema in usage-query.ts) and /openapi.json is generated from them.

const GRANULARITY = z.enum(Object.keys(GRANULARITIES) as [Granularity, ...Granularity[]])
const counts = z.record(z.string(), z.number().int())
const seconds = z.number().int().describe('Unix seconds.')

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${METRICS_ERROR_CODES.join(', ')}, METRICS_UNAUTHORIZED, ` +
    'METRICS_ADMIN_TOKEN_MISSING, or METRICS_NOT_FOUND, METRICS_INTERNAL for refusals by the HTTP layer.',
  fields: { parameter: z.string().nullable().optional().describe('On METRICS_BAD_QUERY: the query parameter at fault.') }
})

/** GET /v1/alerts takes no parameters: anything in the query string is refused. */
export const AlertsQuerySchema = z.strictObject({})

const PricingPointSchema = z.object({
  start: seconds,
  end: seconds,
  country: z.string().optional().describe('COUNTRY: ISO 3166-1 alpha-2 of the recipients (from their numbers); empty when not known.'),
  phone_number: z.string().optional().describe('PHONE: the display phone number (the id when unknown).'),
  phone_number_id: z.string().optional().describe('PHONE: the phone number id.'),
  tier: z.string().optional().describe('TIER: the volume band, `{from}:{to}` or `{from}:MAX`, of charged utility / authentication messages in markets with volume tiers; absent for the others.'),
  pricing_type: z.string().optional().describe('PRICING_TYPE: Meta\'s webhook pricing.type in upper case (REGULAR, FREE_CUSTOMER_SERVICE…).'),
  pricing_category: z.string().optional().describe('PRICING_CATEGORY: Meta\'s webhook pricing.category in upper case (AUTHENTICATION_INTERNATIONAL).'),
  volume: z.number().int().optional().describe('VOLUME: messages, once per message id.'),
  cost: z.number().optional().describe('COST: in the rate card\'s currency (`currency`), from the rate card effective at the bucket\'s start, with monthly volume tiers.')
}).meta({ id: 'PricingPoint', description: 'One data point of Meta\'s pricing_analytics, plus the phone number id. Only the fields of the dimensions and metric types asked for are present.' })

const CountsPointSchema = z.object({
  start: seconds,
  end: seconds,
  phone_number: z.string(),
  phone_number_id: z.string(),
  waba_id: z.string().nullable(),
  inbound_messages: z.object({ total: z.number().int(), by_type: counts }),
  outbound_requests: z.object({
    total: z.number().int(),
    accepted: z.number().int(),
    failed: z.number().int(),
    expired: z.number().int(),
    unknown: z.number().int(),
    failed_by_error_code: counts
  }),
  statuses: counts.describe('By status; sent counts messages that reached at least sent.'),
  status_errors_by_code: counts,
  conversations_by_origin: counts,
  rate_limit_errors_by_code: counts
}).meta({ id: 'CountsPoint', description: 'The gateway\'s own counts for one number and bucket.' })

/** GET /v1/usage. */
export const UsageReportSchema = z.object({
  data: z.array(z.object({ granularity: GRANULARITY, currency: z.string().describe('ISO 4217 currency of `cost` (the rate card\'s).'), data_points: z.array(PricingPointSchema) }))
    .describe('Meta\'s pricing_analytics shape: messages with pricing. Buckets without data are omitted.'),
  counts: z.object({ granularity: GRANULARITY, data_points: z.array(CountsPointSchema) }),
  unique_customers_24h: z.object({
    phone_numbers: counts,
    wabas: counts
  }).describe('Distinct customers reached in the 24 h before the query, per number and per WABA in the answer.')
}).meta({ id: 'UsageReport' })

/** The Alert record (packages/schemas/avro/alert.avsc). */
export const AlertSchema = z.object({
  alert_id: z.string().describe('Deterministic: name, scope and fired_at.'),
  name: z.string(),
  scope: z.string(),
  phone_number_id: z.string().nullable(),
  waba_id: z.string().nullable(),
  state: z.enum(ALERT_STATES),
  severity: z.enum(ALERT_SEVERITIES),
  value: z.number(),
  threshold: z.number(),
  message: z.string(),
  fired_at: z.number().int().describe('Epoch milliseconds.'),
  at: z.number().int().describe('Epoch milliseconds of this state.'),
  labels: z.record(z.string(), z.string())
}).meta({ id: 'Alert', description: 'A traffic-limit or health alert (the Alert record of wa.alerts).' })

/** GET /v1/alerts. */
export const AlertsSchema = z.object({
  data: z.array(AlertSchema).describe('Alerts firing now, oldest first.')
}).meta({ id: 'Alerts' })

/** The body of /healthz and /readyz (HealthBody of @wabridge/process). */
export { HealthBodySchema } from '@wabridge/process'
