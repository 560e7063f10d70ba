import { z } from 'zod'

const ms = z.number().min(0)
const share = z.number().min(0).max(1)

/** A fault rule as accepted by POST /_sim/faults and SIM_FAULTS. */
export const faultRuleSchema = z.object({
  id: z.string().min(1).optional(),
  match: z.object({ phoneNumberId: z.string().optional(), wabaId: z.string().optional(), to: z.string().optional(), type: z.string().optional() }).optional(),
  probability: share.optional(),
  count: z.number().int().positive().optional(),
  action: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('error'),
      code: z.number().int().optional(),
      httpStatus: z.number().int().min(400).max(599).optional(),
      message: z.string().optional(),
      details: z.string().optional(),
      body: z.enum(['envelope', 'html', 'text', 'empty']).optional(),
      accept: z.boolean().optional(),
      answerAfterMs: ms.optional()
    }).refine((a) => a.code !== undefined || a.httpStatus !== undefined, 'an error needs a code or an httpStatus'),
    z.object({ type: z.literal('timeout'), answerAfterMs: ms.optional(), accept: z.boolean().optional() }),
    z.object({ type: z.literal('reset'), accept: z.boolean().optional() })
  ])
})

export const faultRulesSchema = z.array(faultRuleSchema)

export const latencySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), ms }),
  z.object({ kind: z.literal('uniform'), minMs: ms, maxMs: ms }),
  z.object({ kind: z.literal('lognormal'), minMs: ms, maxMs: ms })
]).refine((d) => d.kind === 'fixed' || d.minMs <= d.maxMs, 'minMs must not exceed maxMs')

export const inboundSchema = z.object({
  phoneNumberId: z.string().min(1),
  rate: z.number().positive().max(10_000),
  durationMs: ms.optional(),
  count: z.number().int().positive().optional(),
  from: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional()
})

export const phoneNumberSchema = z.object({
  mps: z.number().positive().optional(),
  token: z.string().min(1).optional(),
  wabaId: z.string().min(1).optional(),
  displayPhoneNumber: z.string().min(1).optional(),
  throughputLevel: z.string().min(1).optional()
})

/** Body of POST /_sim/phone-numbers/:id/upgrade. */
export const upgradeSchema = z.object({
  maintenanceMs: ms.optional(),
  level: z.string().min(1).optional(),
  mps: z.number().positive().optional()
})

export const statusOptionsSchema = z.object({
  sentAfterMs: ms,
  deliveredAfterMs: ms,
  readAfterMs: ms,
  readShare: share,
  skipDeliveredShare: share,
  failedShare: share,
  failedCode: z.number().int(),
  templateCategory: z.string().min(1),
  templateCategories: z.record(z.string(), z.string())
}).partial()

/** Query of GET /_sim/messages (snake_case like Meta's fields). */
export const messagesQuerySchema = z.object({
  phone_number_id: z.string().optional(),
  to: z.string().optional(),
  type: z.string().optional(),
  biz_opaque_callback_data: z.string().optional(),
  user_agent: z.string().optional(),
  since: z.coerce.number().optional(),
  until: z.coerce.number().optional(),
  limit: z.coerce.number().int().positive().optional()
})

/** Query of GET /_sim/accepted: sends after the `after` cursor (a seq), as a JSON page or NDJSON. */
export const acceptedQuerySchema = z.object({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().positive().optional(),
  format: z.enum(['json', 'ndjson']).optional()
})

/** Query of GET /_sim/accepted/count. */
export const acceptedCountQuerySchema = z.object({ biz_opaque_callback_data: z.string() })

/** Tiers a portfolio can be set to. */
export const tierSchema = z.enum(['TIER_50', 'TIER_250', 'TIER_1K', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'])

/** Body of PUT /_sim/portfolios/:id/messaging-limit. */
export const messagingTierSchema = z.object({ tier: tierSchema, webhookForm: z.enum(['tier', 'number']).optional() })

/** Body of PUT /_sim/wabas/:id. */
export const wabaSchema = z.object({ portfolioId: z.string().min(1) })

/** Body of POST /_sim/user-preferences: a user stops or resumes marketing (Meta's user_preferences values). */
export const userPreferenceSchema = z.object({ phoneNumberId: z.string().min(1), waId: z.string().regex(/^\+?\d{5,20}$/), value: z.enum(['stop', 'resume']) })

/** Body of POST /_sim/inbound/message: one customer message now. */
export const inboundMessageSchema = z.object({ phoneNumberId: z.string().min(1), from: z.string().regex(/^\+?\d{5,20}$/) })

/** Template statuses (whatsapp-cloud-api-more.md §3.1). */
export const templateStatusEnum = z.enum(['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'LIMIT_EXCEEDED', 'ARCHIVED', 'DELETED', 'PENDING_DELETION'])

/** A template as POST /_sim/templates and SIM_TEMPLATES take it (Meta's definition shape). */
export const templateSchema = z.object({
  id: z.string().min(1).optional(),
  wabaId: z.string().min(1).optional(),
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'lowercase letters, digits and _'),
  language: z.string().min(2),
  category: z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']),
  status: templateStatusEnum.optional(),
  subCategory: z.string().min(1).optional(),
  parameterFormat: z.enum(['POSITIONAL', 'NAMED']).optional(),
  components: z.array(z.looseObject({ type: z.string().min(1) }))
})

export const templatesSchema = z.array(templateSchema)

/** Body of POST /_sim/templates/:id/status: the new status and what the webhook says (event, reason, other_info). */
export const templateStatusChangeSchema = z.object({
  status: templateStatusEnum,
  event: z.string().regex(/^[A-Z_]+$/, 'upper-case like Meta\'s events').optional(),
  reason: z.string().min(1).nullable().optional(),
  title: z.enum(['FIRST_PAUSE', 'SECOND_PAUSE', 'RATE_LIMITING_PAUSE', 'UNPAUSE', 'DISABLED']).optional(),
  description: z.string().min(1).optional()
})

/** Body of POST /_sim/templates/:id/quality. */
export const templateQualitySchema = z.object({ quality_score: z.enum(['GREEN', 'YELLOW', 'RED', 'UNKNOWN']) })

const waIdSchema = z.string().regex(/^\+?\d{5,20}$/)

/** Body of POST /_sim/windows: the user's last message to the number (default now; ms since the epoch or ISO 8601). */
export const windowSchema = z.object({
  phone_number_id: z.string().min(1),
  wa_id: waIdSchema,
  last_inbound_at: z.union([z.number().int().min(0), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]).optional()
})

/** Query of GET /_sim/windows. */
export const windowsQuerySchema = z.object({ phone_number_id: z.string().min(1).optional(), wa_id: waIdSchema.optional() })

/** Body of POST /_sim/templates/:id/category: a completed change, or with impending the 24 h notice (at: ms or ISO 8601). */
export const templateCategoryChangeSchema = z.object({
  category: z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']),
  impending: z.boolean().optional(),
  at: z.union([z.number().int().min(0), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]).optional()
})

/** Query of GET /_sim/templates. */
export const templatesQuerySchema = z.object({ waba_id: z.string().optional() })
