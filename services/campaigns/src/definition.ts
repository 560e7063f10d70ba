import { z } from 'zod'
import { parseWindow } from './local-window.ts'

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 09:00')

/** The template of a campaign: Meta's template object; strings may hold {{field}} placeholders filled from each recipient's row. */
export const CampaignTemplateSchema = z.object({
  name: z.string().min(1).max(512),
  language: z.union([z.string().min(2).transform((code) => ({ code })), z.looseObject({ code: z.string().min(2), policy: z.string().optional() })]),
  components: z.array(z.looseObject({ type: z.string().min(1) })).optional()
})

/** A new campaign as POST /v1/campaigns takes it (the audience may come inline or later). */
export const NewCampaignSchema = z.strictObject({
  name: z.string().min(1).max(200),
  phone_number_id: z.string().regex(/^\d+$/, 'must be the phone number ID (digits only)'),
  waba_id: z.string().regex(/^\d+$/).optional(),
  template: CampaignTemplateSchema,
  /** RFC 3339: start no earlier than this once started (at most 365 days ahead). */
  send_at: z.iso.datetime({ offset: true }).optional(),
  /** Messages per second at most; default CAMPAIGNS_BULK_SHARE (80 %) of the number's rate. */
  rate_cap_mps: z.number().positive().max(10_000).optional(),
  /** Local-time window in the recipient's time zone(s), e.g. { start: '09:00', end: '20:00' }. */
  window: z.object({ start: HHMM, end: HHMM }).refine((w) => w.start !== w.end, 'start and end must differ').optional(),
  /** RFC 3339: recipients still waiting for their window then are skipped and the campaign completes. */
  end_by: z.iso.datetime({ offset: true }).optional(),
  /** Region of national numbers in the audience (ISO 3166 alpha-2, e.g. IT). */
  default_region: z.string().regex(/^[A-Z]{2}$/, 'two capital letters, e.g. IT').optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** Inline audience: objects with the number in to (or phone) and the template's fields. */
  recipients: z.array(z.record(z.string(), z.unknown())).max(100_000).optional(),
  /** Audience from a topic: every record on it now, JSON objects like NDJSON lines. */
  audience_topic: z.string().regex(/^[A-Za-z0-9._-]+$/).optional()
}).refine((c) => !(c.recipients && c.audience_topic), { message: 'give recipients or audience_topic, not both', path: ['audience_topic'] })

export type NewCampaign = z.output<typeof NewCampaignSchema>

/** What the create command carries to the owner (times as epoch ms). */
export interface CampaignDefinition {
  id: string
  name: string
  phone_number_id: string
  waba_id: string | null
  template: z.output<typeof CampaignTemplateSchema>
  send_at: number | null
  rate_cap_mps: number | null
  window_start: string | null
  window_end: string | null
  end_by: number | null
  default_region: string | null
  metadata: Record<string, string>
}

/** The audience command's summary of an upload (the recipients are on the audience topic). */
export interface AudienceSummary {
  upload_id: string
  size: number
  chunks: number
  invalid: number
  duplicates: number
  /** The first refused rows, at most 100. */
  invalid_rows: Array<{ line: number, reason: string }>
}

export function toDefinition (id: string, body: NewCampaign, wabaOf: (pn: string) => string | undefined): CampaignDefinition {
  if (body.window) parseWindow(body.window.start, body.window.end)
  return {
    id,
    name: body.name,
    phone_number_id: body.phone_number_id,
    waba_id: body.waba_id ?? wabaOf(body.phone_number_id) ?? null,
    template: body.template,
    send_at: body.send_at === undefined ? null : Date.parse(body.send_at),
    rate_cap_mps: body.rate_cap_mps ?? null,
    window_start: body.window?.start ?? null,
    window_end: body.window?.end ?? null,
    end_by: body.end_by === undefined ? null : Date.parse(body.end_by),
    default_region: body.default_region ?? null,
    metadata: body.metadata ?? {}
  }
}
