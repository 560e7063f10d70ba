import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { OutboundRequestJsonSchema, PRIORITIES, RESULT_STATUSES } from '@wabridge/schemas'
import { API_ERROR_CODES } from './errors.ts'
import { MESSAGE_STATES, WEBHOOK_STATUSES } from './message-state.ts'

// The zod schemas of the HTTP API: the routes validate with them and /openapi.json is generated from them.

/** POST /v1/messages: the JSON form of an outbound request (the same schema egress and the CLI validate with). */
export const SendRequestSchema = OutboundRequestJsonSchema.meta({
  id: 'SendRequest',
  description: 'An outbound request in JSON form: Meta\'s message object without messaging_product and to, the sending phone_number_id and the recipient. ' +
    'request_id makes the POST idempotent (a UUID is generated when it is left out). ' +
    'send_at (RFC 3339, at most 365 days ahead; a past time means now) holds the request until then; ' +
    'priority bulk (campaigns, reminders) lets interactive traffic of the same number go first.'
})

export const AcceptedSchema = z.object({
  request_id: z.string().describe('The request\'s id: the one given, or the generated one.'),
  state: z.enum(['queued', 'scheduled']).describe('The request is durable in Kafka (acks=all). queued: it waits for egress; ' +
    'scheduled: its send_at is more than 1 s ahead, the scheduler holds it (wa.outbound.scheduled) and releases it to egress at its send_at.')
}).meta({ id: 'Accepted' })

const IssueSchema = z.object({ path: z.string(), message: z.string() })

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${API_ERROR_CODES.join(', ')}, or API_BAD_REQUEST, API_NOT_FOUND, API_PAYLOAD_TOO_LARGE, API_UNSUPPORTED_MEDIA_TYPE for refusals by the HTTP layer.`,
  fields: {
    issues: z.array(IssueSchema).optional().describe('Every problem of a 400, with the path of the field.'),
    request_id: z.string().optional().describe('On 409 and 503: the request\'s id. After a 503, send again with this request_id.'),
    maybe_written: z.boolean().optional().describe('On a 503 of a POST: whether the request may be in Kafka although Kafka did not confirm it.')
  }
})

const CallErrorSchema = z.object({
  code: z.number().int().nullable(),
  message: z.string(),
  details: z.string().nullable()
}).meta({ id: 'MessageError', description: 'Meta\'s error (code null for a network error).' })

/** GET /v1/messages/{request_id}. */
export const MessageStatusSchema = z.object({
  request_id: z.string(),
  state: z.enum(MESSAGE_STATES).describe('scheduled: held by the scheduler until its send_at; queued: in Kafka for egress, no result yet; ' +
    'accepted: Meta took it; sent, delivered, read: Meta\'s status webhooks; ' +
    'failed: see reason and error (expired: not sent before its expires_at; suppressed: a bulk request to a recipient on the suppression list, never sent); ' +
    'unknown: egress cannot know whether Meta accepted it (never sent again; a status webhook may still settle it); ' +
    'cancelled: a scheduled request cancelled before its send_at, never sent.'),
  phone_number_id: z.string().nullable(),
  to: z.string().nullable(),
  wamid: z.string().nullable().describe('Meta\'s message id, once known.'),
  reason: z.string().nullable().describe('Why the request failed, is unknown or was cancelled.'),
  error: CallErrorSchema.nullable(),
  queued_at: z.iso.datetime().nullable().describe('When the request was written to Kafka (null when it is older than the view\'s window).'),
  send_at: z.iso.datetime().nullable().describe('Its send_at, when it has one (null also when the request record is older than the view\'s window).'),
  priority: z.enum(PRIORITIES).nullable().describe('Its priority (interactive when none was given); null when the request record is older than the view\'s window.'),
  result: z.object({
    status: z.enum(RESULT_STATUSES),
    completed_at: z.iso.datetime(),
    attempts: z.number().int(),
    settled: z.boolean().describe('A settlement record replaced an earlier unknown result.')
  }).nullable().describe('The final result egress wrote (wa.outbound.results), the latest record.'),
  webhook: z.object({
    status: z.enum(WEBHOOK_STATUSES),
    at: z.iso.datetime()
  }).nullable().describe('The most advanced status webhook (read > delivered > failed > sent).')
}).meta({ id: 'MessageStatus' })

export const RequestIdParamsSchema = z.object({
  request_id: z.string().min(1).max(128).describe('The request_id given or generated on POST.')
})
