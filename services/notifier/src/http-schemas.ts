import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { SILENCE_MATCH_OPS } from '@wabridge/schemas'
import { NOTIFIER_ERROR_CODES } from './errors.ts'
import { parseMatcher } from './matchers.ts'

// The zod schemas of the silences API: the routes validate with them and /openapi.json is generated from them.

const MatcherObjectSchema = z.object({
  name: z.string().min(1).describe('The label.'),
  op: z.enum(SILENCE_MATCH_OPS).default('eq').describe('eq (=), neq (!=), re (=~) or nre (!~); regular expressions are anchored.'),
  value: z.string()
}).strict().meta({ id: 'Matcher', description: 'One condition on one label of an alert (an absent label is the empty string).' })

const MatcherSchema = z.union([
  z.string().describe('label=value, label!=value, label=~regex or label!~regex').transform((s, ctx) => {
    try { return parseMatcher(s) } catch (err) { ctx.addIssue({ code: 'custom', message: (err as Error).message }); return z.NEVER }
  }),
  MatcherObjectSchema
])

/** POST /v1/silences: matchers as strings ("name=throughput_near_limit") or objects, and an end or a duration. */
export const NewSilenceSchema = z.object({
  matchers: z.array(MatcherSchema).min(1).describe('All must match.'),
  starts_at: z.number().int().nonnegative().optional().describe('Epoch ms; default now.'),
  ends_at: z.number().int().positive().optional().describe('Epoch ms. Give exactly one of ends_at and duration_ms.'),
  duration_ms: z.number().int().positive().optional().describe('From starts_at. Give exactly one of ends_at and duration_ms.'),
  created_by: z.string().max(200).optional(),
  comment: z.string().max(2000).optional()
}).strict().refine((s) => (s.ends_at === undefined) !== (s.duration_ms === undefined), 'give exactly one of ends_at and duration_ms')
  .meta({ id: 'NewSilence' })

/** GET /v1/silences?all=true. */
export const ListSilencesQuerySchema = z.object({
  all: z.string().optional().describe('"true": expired silences too (any other value: only pending and active ones).')
})

/** /v1/silences/{id}. */
export const SilenceIdParamsSchema = z.object({
  id: z.string().describe('The silence\'s id.')
})

/** A silence as the API shows it: the record (wa.notifier.silences) plus its state at the time of the answer. */
export const SilenceSchema = z.object({
  id: z.string(),
  matchers: z.array(z.object({ name: z.string(), op: z.enum(SILENCE_MATCH_OPS), value: z.string() })).describe('All must match.'),
  starts_at: z.number().int().describe('Epoch ms.'),
  ends_at: z.number().int().describe('Epoch ms: expired from then on (DELETE sets it to now).'),
  created_by: z.string(),
  comment: z.string(),
  updated_at: z.number().int().describe('Epoch ms.'),
  state: z.enum(['pending', 'active', 'expired']).describe('pending: starts later; active: mutes matching alerts; expired: ended.')
}).meta({ id: 'Silence' })

export const SilenceListSchema = z.object({
  silences: z.array(SilenceSchema)
}).meta({ id: 'SilenceList' })

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${NOTIFIER_ERROR_CODES.join(', ')}, NOTIFIER_UNAUTHORIZED, NOTIFIER_ADMIN_TOKEN_MISSING, ` +
    'or NOTIFIER_BAD_REQUEST, NOTIFIER_NOT_FOUND, NOTIFIER_PAYLOAD_TOO_LARGE, NOTIFIER_UNSUPPORTED_MEDIA_TYPE, NOTIFIER_INTERNAL from the HTTP layer.'
})

/** The body of /healthz and /readyz (HealthBody of @wabridge/process). */
export { HealthBodySchema } from '@wabridge/process'
