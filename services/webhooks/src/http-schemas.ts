import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { WEBHOOKS_ERROR_CODES } from './errors.ts'
import { EVENT_TYPES } from './events.ts'

// The zod schemas of the subscriptions API: the routes validate with them and /openapi.json is generated from them.

/** POST /v1/subscriptions. */
export const CreateSubscriptionSchema = z.object({
  url: z.string().describe('Absolute http(s) URL without credentials: where the signed webhooks are POSTed.'),
  event_types: z.array(z.enum(EVENT_TYPES)).optional().describe('Default (absent or empty): every event type.'),
  phone_number_ids: z.array(z.string().regex(/^\d+$/, 'phone number ids are digits')).optional().describe('Default (absent or empty): every number.'),
  description: z.string().max(500).optional()
}).strict().meta({ id: 'NewSubscription' })

/** POST /v1/subscriptions/{id}/rotate-secret (the body is optional). */
export const RotateSecretSchema = z.object({
  expire_old_in_ms: z.number().int().min(0).optional().describe('How long the secrets that sign now keep signing next to the new one; default WEBHOOKS_SECRET_GRACE_MS.')
}).strict().meta({ id: 'RotateSecret' })

/** POST /v1/subscriptions/{id}/replay (the body is optional). */
export const ReplaySchema = z.object({
  since: z.iso.datetime({ offset: true }).optional().describe('Only deliveries that failed at or after this time.'),
  dry_run: z.boolean().optional().describe('Count only: park nothing.')
}).strict().meta({ id: 'Replay' })

/** /v1/subscriptions/{id}…. */
export const SubscriptionIdParamsSchema = z.object({
  id: z.string().describe('The subscription_id (sub_…).')
})

const SecretSchema = z.object({
  secret: z.string().describe('whsec_ + base64 of the key. Whole only in the answers of create and rotate-secret; elsewhere its first 10 characters and "…".'),
  created_at: z.number().int().describe('Epoch ms.'),
  expires_at: z.number().int().nullable().describe('Epoch ms; null = signs until rotated.')
}).meta({ id: 'WebhookSecret' })

/** A subscription (the WebhookSubscription record of wa.webhooks.subscriptions). */
export const SubscriptionSchema = z.object({
  subscription_id: z.string(),
  url: z.string(),
  event_types: z.array(z.enum(EVENT_TYPES)),
  phone_number_ids: z.array(z.string()).describe('Empty = every number.'),
  secrets: z.array(SecretSchema).describe('Every secret that signs: webhook-signature carries one signature per secret.'),
  enabled: z.boolean(),
  description: z.string().nullable(),
  created_at: z.number().int().describe('Epoch ms.'),
  updated_at: z.number().int().describe('Epoch ms.'),
  disabled_at: z.number().int().nullable().describe('Epoch ms.'),
  disabled_reason: z.string().nullable().describe('By an operator, or why the service disabled the endpoint.')
}).meta({ id: 'Subscription' })

export const SubscriptionListSchema = z.object({
  subscriptions: z.array(SubscriptionSchema).describe('Oldest first; secrets shortened.')
}).meta({ id: 'SubscriptionList' })

export const ReplayResultSchema = z.object({
  scanned: z.number().int().describe('Records of wa.webhooks.failed read.'),
  replayed: z.number().int().describe('Failed deliveries of the subscription parked again (with dry_run: that would be).')
}).meta({ id: 'ReplayResult' })

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${WEBHOOKS_ERROR_CODES.join(', ')}, WEBHOOKS_UNAUTHORIZED, WEBHOOKS_ADMIN_TOKEN_MISSING, ` +
    'or WEBHOOKS_BAD_REQUEST, WEBHOOKS_PAYLOAD_TOO_LARGE, WEBHOOKS_UNSUPPORTED_MEDIA_TYPE, WEBHOOKS_INTERNAL from the HTTP layer.'
})

/** The body of /healthz and /readyz (HealthBody of @wabridge/process). */
export { HealthBodySchema } from '@wabridge/process'
