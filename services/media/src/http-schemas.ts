import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { MEDIA_FAILURES, MEDIA_STATUSES } from '@wabridge/schemas'
import { MEDIA_ERROR_CODES } from './errors.ts'

// The zod schemas of the media worker's API: the routes validate with them and /openapi.json is generated from them.

/** /v1/media/{media_id}. */
export const MediaIdParamsSchema = z.object({
  media_id: z.string().min(1).max(128).regex(/^[A-Za-z0-9._-]+$/).describe('Meta\'s media id, as in the inbound message.')
})

/** The last InboundMedia record of a media id (wa.inbound.media), times in RFC 3339. */
export const InboundMediaSchema = z.object({
  event_id: z.string(),
  status: z.enum(MEDIA_STATUSES),
  message_id: z.string(),
  media_id: z.string(),
  media_type: z.string(),
  phone_number_id: z.string(),
  waba_id: z.string().nullable(),
  wa_id: z.string(),
  mime_type: z.string().nullable(),
  sha256: z.string().nullable().describe('Lower-case hex of the stored bytes.'),
  size: z.number().int().nullable(),
  storage_uri: z.string().nullable().describe('file:///… or s3://bucket/key.'),
  filename: z.string().nullable(),
  failure: z.enum(MEDIA_FAILURES).nullable(),
  reason: z.string().nullable(),
  attempts: z.number().int(),
  message_timestamp: z.string().nullable(),
  completed_at: z.string()
}).meta({ id: 'InboundMedia' })

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${MEDIA_ERROR_CODES.join(', ')}, MEDIA_UNAUTHORIZED, MEDIA_ADMIN_TOKEN_MISSING, ` +
    'or MEDIA_BAD_REQUEST, MEDIA_NOT_FOUND, MEDIA_INTERNAL from the HTTP layer.'
})
