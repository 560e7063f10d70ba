import { z } from 'zod'
import { SUPPRESSION_REASONS } from '@wabridge/schemas'

// The zod schemas of the suppression routes: the routes validate with them and suppressionPaths is built from them.

/** A time as epoch milliseconds or an RFC 3339 string with an offset. */
const TimeSchema = z.union([
  z.number().int().positive(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))
]).describe('Epoch milliseconds, or an RFC 3339 date-time with an offset (2026-12-24T09:00:00Z).')

/** POST /v1/suppressions. */
export const NewSuppressionSchema = z.object({
  scope: z.string().min(1).max(200).optional().describe('The WABA id, or phone:{phone_number_id}. Give scope or phone_number_id.'),
  phone_number_id: z.string().regex(/^\d+$/).optional().describe('A sending number: the scope is its WABA (WA_PHONE_WABAS), else phone:{id}.'),
  wa_id: z.string().regex(/^\d{5,15}$/).optional().describe('The recipient\'s WhatsApp id (digits). Give wa_id or to.'),
  to: z.string().min(5).max(30).optional().describe('The recipient as a phone number (+1 650-555-1234): its digits are the wa_id.'),
  reason: z.enum(SUPPRESSION_REASONS).default('manual').describe('Default manual.'),
  expires_at: TimeSchema.optional().describe('Lifted from then on; default: until removed.'),
  source: z.string().max(500).optional().describe('Evidence for operators; default "api".'),
  created_by: z.string().max(200).optional()
}).strict()
  .refine((b) => (b.scope === undefined) !== (b.phone_number_id === undefined), 'give exactly one of scope and phone_number_id')
  .refine((b) => (b.wa_id === undefined) !== (b.to === undefined), 'give exactly one of wa_id and to')
  .meta({ id: 'NewSuppression' })

/** GET /v1/suppressions. */
export const ListSuppressionsQuerySchema = z.object({
  scope: z.string().optional().describe('Only this scope.'),
  reason: z.enum(SUPPRESSION_REASONS).optional().describe('Only this reason.'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000).describe('At most this many, newest first (default 1000).'),
  all: z.string().optional().describe('"true": expired ones too.')
})

/** DELETE /v1/suppressions/{scope}/{wa_id}. */
export const SuppressionParamsSchema = z.object({
  scope: z.string().min(1).describe('The WABA id or phone:{phone_number_id}.'),
  wa_id: z.string().min(1).describe('The recipient\'s WhatsApp id.')
})

/** A suppression as the API shows it: the record (wa.suppressions) plus whether it holds now. */
export const SuppressionSchema = z.object({
  scope: z.string(),
  wa_id: z.string(),
  reason: z.enum(SUPPRESSION_REASONS).describe('opted_out (Meta 131050 or user_preferences stop), keyword (a stop keyword), manual, marketing_limit (Meta 131049, held 24 h).'),
  source: z.string(),
  created_at: z.number().int().describe('Epoch ms.'),
  expires_at: z.number().int().nullable().describe('Epoch ms; null = until removed.'),
  created_by: z.string().nullable(),
  active: z.boolean().describe('Whether it holds now (bulk messages to the recipient are not sent).')
}).meta({ id: 'Suppression' })

export const SuppressionListSchema = z.object({
  suppressions: z.array(SuppressionSchema)
}).meta({ id: 'SuppressionList' })
