import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { CAMPAIGN_STATES } from '@wabridge/schemas'
import { CAMPAIGNS_ERROR_CODES } from './errors.ts'

export { NewCampaignSchema } from './definition.ts'

export const ErrorBodySchema = errorBodySchema({ codes: `One of ${[...CAMPAIGNS_ERROR_CODES, 'SUPPRESSION_INVALID', 'SUPPRESSION_NOT_FOUND'].join(', ')}, or a shared code (CAMPAIGNS_UNAUTHORIZED, CAMPAIGNS_BAD_REQUEST, CAMPAIGNS_INTERNAL, …).` })

export const CampaignIdParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a campaign id (letters and digits)') })

export const ListCampaignsQuerySchema = z.object({
  state: z.enum(CAMPAIGN_STATES).optional().meta({ description: 'Only campaigns in this state.' }),
  phone_number_id: z.string().regex(/^\d+$/).optional().meta({ description: 'Only campaigns of this number.' })
})

export const AudienceQuerySchema = z.object({
  format: z.enum(['csv', 'ndjson']).optional().meta({ description: 'Format of the body; default from Content-Type (text/csv, application/x-ndjson).' })
})

/** A JSON audience body: inline recipients, or a topic to read them from. */
export const AudienceJsonSchema = z.union([
  z.strictObject({ recipients: z.array(z.record(z.string(), z.unknown())).min(1).max(100_000) }),
  z.strictObject({ topic: z.string().regex(/^[A-Za-z0-9._-]+$/) })
]).meta({ description: 'Inline recipients ({"recipients": [{"to": "+39…", "name": "Ann"}]}) or a topic whose records (JSON objects) are the audience ({"topic": "crm.audience"}).' })

const InvalidRowSchema = z.object({ line: z.int(), reason: z.string() })

export const CampaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  phone_number_id: z.string(),
  waba_id: z.string().nullable(),
  state: z.enum(CAMPAIGN_STATES),
  held: z.boolean().meta({ description: 'Running but held by the messaging limit (until held_until).' }),
  template: z.unknown(),
  send_at: z.string().nullable(),
  rate_cap_mps: z.number().nullable(),
  window: z.object({ start: z.string(), end: z.string() }).nullable(),
  end_by: z.string().nullable(),
  default_region: z.string().nullable(),
  metadata: z.record(z.string(), z.string()),
  audience: z.object({ upload_id: z.string().nullable(), size: z.int(), invalid: z.int(), duplicates: z.int(), invalid_rows: z.array(InvalidRowSchema) }),
  progress: z.object({
    queued: z.int(),
    sent: z.int(),
    delivered: z.int(),
    read: z.int(),
    failed: z.int(),
    suppressed: z.int(),
    skipped: z.int(),
    deferred: z.int(),
    failed_by_code: z.record(z.string(), z.int()),
    pending: z.int().meta({ description: 'Not released yet.' })
  }),
  held_until: z.string().nullable(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  updated_at: z.string(),
  last_command_error: z.string().nullable()
}).meta({ id: 'Campaign' })

export const CampaignListSchema = z.object({ campaigns: z.array(CampaignSchema) })

export const AudienceResultSchema = z.object({
  campaign: CampaignSchema,
  accepted: z.int(),
  invalid: z.int(),
  duplicates: z.int(),
  invalid_rows: z.array(InvalidRowSchema).meta({ description: 'Refused rows with their line numbers (the first 1,000).' })
})

export const PendingCommandSchema = z.object({
  campaign_id: z.string(),
  command_id: z.string(),
  applied: z.literal(false),
  message: z.string()
}).meta({ description: 'The command is in Kafka but no owner applied it within CAMPAIGNS_COMMAND_TIMEOUT_MS; it applies when one runs.' })
