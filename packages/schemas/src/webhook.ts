import { z } from 'zod'
import { parseWith } from './zod-issues.ts'

// Lenient by design: every object is loose (unknown fields pass through untouched) and only the
// fields the gateway reads are checked, so that whatever Meta adds later still gets through.

/** Meta's timestamps: unix seconds, sent as a string of digits (numbers accepted too). */
export const MetaTimestampSchema = z.union([z.string().regex(/^\d+$/, 'must be unix seconds'), z.number().int().nonnegative()])

/** An error object of value.errors[], messages[].errors[] or statuses[].errors[]. */
export const WebhookErrorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional()
})

/** value.metadata of a messages change. */
export const WebhookMetadataSchema = z.looseObject({
  display_phone_number: z.string(),
  phone_number_id: z.string().min(1)
})

/** One value.contacts[] entry (absent for system messages). */
export const WebhookContactSchema = z.looseObject({
  wa_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional() }).optional()
})

/** One inbound message; `type` may be any string, including types unknown today. */
export const WebhookMessageSchema = z.looseObject({
  id: z.string().min(1),
  from: z.string().min(1),
  timestamp: MetaTimestampSchema,
  type: z.string().min(1),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  referral: z.looseObject({ source_id: z.string().optional() }).optional(),
  errors: z.array(WebhookErrorSchema).optional()
})

/** One status update of an outbound message. */
export const WebhookStatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  timestamp: MetaTimestampSchema,
  recipient_id: z.string().min(1),
  biz_opaque_callback_data: z.string().optional(),
  conversation: z.looseObject({
    id: z.string().optional(),
    origin: z.looseObject({ type: z.string().optional() }).optional()
  }).optional(),
  pricing: z.looseObject({
    billable: z.boolean().optional(),
    pricing_model: z.string().optional(),
    type: z.string().optional(),
    category: z.string().optional()
  }).optional(),
  errors: z.array(WebhookErrorSchema).optional()
})

/** The value of a change whose field is `messages`: messages with contacts, statuses, or errors. */
export const MessagesValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: WebhookMetadataSchema,
  contacts: z.array(WebhookContactSchema).optional(),
  messages: z.array(WebhookMessageSchema).optional(),
  statuses: z.array(WebhookStatusSchema).optional(),
  errors: z.array(WebhookErrorSchema).optional()
})

/** One entry[].changes[] item; `value` is any object (check `field` before parsing it further). */
export const WebhookChangeSchema = z.looseObject({
  field: z.string().min(1),
  value: z.looseObject({})
})

/** One entry[]: `id` is the WABA id; `time` (unix seconds) comes with WABA-level fields. */
export const WebhookEntrySchema = z.looseObject({
  id: z.string().min(1),
  time: z.number().optional(),
  changes: z.array(WebhookChangeSchema)
})

/**
 * The body of a webhook POST: `object` must be `whatsapp_business_account`. Only the envelope is
 * checked; parse the value of each `messages` change with {@link MessagesValueSchema}.
 */
export const WebhookPayloadSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(WebhookEntrySchema)
})

export type MetaTimestamp = z.infer<typeof MetaTimestampSchema>
export type WebhookError = z.infer<typeof WebhookErrorSchema>
export type WebhookMetadata = z.infer<typeof WebhookMetadataSchema>
export type WebhookContact = z.infer<typeof WebhookContactSchema>
export type WebhookMessage = z.infer<typeof WebhookMessageSchema>
export type WebhookStatus = z.infer<typeof WebhookStatusSchema>
export type MessagesValue = z.infer<typeof MessagesValueSchema>
export type WebhookChange = z.infer<typeof WebhookChangeSchema>
export type WebhookEntry = z.infer<typeof WebhookEntrySchema>
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>

/** Validates a parsed webhook body; throws SchemaError SCHEMA_INVALID_PAYLOAD listing every issue. */
export function parseWebhookPayload (input: unknown): WebhookPayload {
  return parseWith(WebhookPayloadSchema, input, 'webhook payload')
}

/** Validates the value of a `messages` change; throws SchemaError SCHEMA_INVALID_PAYLOAD. */
export function parseMessagesValue (input: unknown): MessagesValue {
  return parseWith(MessagesValueSchema, input, 'messages value')
}

/** A Meta timestamp (unix seconds) in epoch milliseconds. */
export function metaTimestampToMs (timestamp: MetaTimestamp): number {
  return Number(timestamp) * 1000
}
