import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { NUMBER_SEND_STATES, RATE_SOURCES } from '@wabridge/schemas'

// The zod schemas of egress's HTTP server (health and admin routes): the routes validate with them
// and /openapi.json is generated from them.

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: 'Upper snake case constant to branch on: EGRESS_UNAUTHORIZED, EGRESS_ADMIN_TOKEN_MISSING, EGRESS_BAD_REQUEST, EGRESS_URI_TOO_LONG, EGRESS_NOT_FOUND, EGRESS_INTERNAL.',
  fields: { parameter: z.string().optional().describe('On EGRESS_BAD_REQUEST: the path parameter at fault.') }
})

/** POST /numbers/{id}/resume. */
export const ResumeParamsSchema = z.object({
  id: z.string().min(1).max(128).describe('A phone number id (closes its own, its WABA\'s and its token\'s breakers) or a WABA id.')
})

/** The NumberState record (packages/schemas/avro/number-state.avsc), as this instance sees it now. */
export const NumberStateSchema = z.object({
  phone_number_id: z.string(),
  waba_id: z.string().nullable(),
  instance: z.string().describe('The egress instance sending for the number.'),
  state: z.enum(NUMBER_SEND_STATES).describe('sending; open: a breaker stops it; probing: one send tests whether the breaker can close.'),
  breaker_scope: z.string().nullable().describe('number, waba or token: what the open breaker stops.'),
  breaker_code: z.number().int().nullable().describe('Meta\'s error code that opened the breaker.'),
  breaker_reason: z.string().nullable(),
  open_since: z.number().int().nullable().describe('Epoch ms.'),
  next_probe_at: z.number().int().nullable().describe('Epoch ms.'),
  probes: z.number().int().describe('Probes that failed so far.'),
  rate_mps: z.number().describe('Messages per second the number is sent at.'),
  rate_source: z.enum(RATE_SOURCES),
  throughput_level: z.string().nullable().describe('Meta\'s throughput level, once read.'),
  backlog: z.number().int().describe('Requests waiting in the number\'s lane.'),
  updated_at: z.number().int().describe('Epoch ms.')
}).meta({ id: 'NumberState' })

/** GET /numbers. */
export const NumbersSchema = z.object({
  numbers: z.array(NumberStateSchema).describe('The numbers this instance has lanes for.')
}).meta({ id: 'Numbers' })

/** POST /numbers/{id}/resume. */
export const ResumedSchema = z.object({
  resumed: z.array(z.object({
    key: z.string().describe('number:<phone number id>, waba:<waba id> or token:<fingerprint>.'),
    code: z.number().int().nullable().describe('Meta\'s error code that opened it.'),
    since: z.number().int().describe('When it opened, epoch ms.')
  })).describe('The breakers this instance closed (empty when none was open).')
}).meta({ id: 'Resumed' })

/** The body of /healthz and /readyz (HealthBody of @wabridge/process). */
export { HealthBodySchema } from '@wabridge/process'
