import { z } from 'zod'
import { errorBodySchema } from '@wabridge/process'
import { SCHEDULER_ERROR_CODES } from './errors.ts'

// The zod schemas of the scheduled-requests API: the routes validate with them and /openapi.json is generated from them.

/** /v1/scheduled/{request_id}. */
export const RequestIdParamsSchema = z.object({
  request_id: z.string().min(1).max(256).describe('The request\'s request_id (or <topic>:<partition>:<offset> when it had none).')
})

/** A request id's state in the scheduler. */
export const ScheduledRequestSchema = z.object({
  request_id: z.string(),
  state: z.enum(['pending', 'released', 'cancelled', 'cancel_requested']).describe('pending: held until send_at; released: written to the requests topic; cancelled: never released (a cancelled result was written); cancel_requested: the owning instance did not answer in time, the cancel is on its way.'),
  send_at: z.string().nullable().describe('RFC 3339, when known.'),
  at: z.string().nullable().describe('When it was released or cancelled (RFC 3339), when known.'),
  partition: z.number().int().nullable().describe('Partition of the scheduled and pending topics holding it.')
}).meta({ id: 'ScheduledRequest' })

/** One partition this instance owns. */
export const PartitionStatsSchema = z.object({
  partition: z.number().int(),
  state: z.enum(['opening', 'ready', 'lost', 'closed']),
  indexed: z.number().int().describe('Pending requests held in memory (the earliest due).'),
  later: z.number().int().describe('Pending requests held only in Kafka, as of the last scan plus those scheduled since (an upper bound).'),
  next_due_at: z.string().nullable().describe('send_at of the next request to release (RFC 3339).'),
  boundary: z.string().nullable().describe('Requests due before this are all in memory (RFC 3339); null: every pending request is.'),
  last_scan_at: z.string().nullable()
}).meta({ id: 'PartitionStats' })

export const ScheduledListSchema = z.object({
  partitions: z.array(PartitionStatsSchema).describe('Only the partitions of the instance that answered.'),
  indexed: z.number().int(),
  later: z.number().int(),
  next_due_at: z.string().nullable(),
  memory: z.object({ rss_bytes: z.number().int(), heap_used_bytes: z.number().int() }).describe('This process\'s memory.')
}).meta({ id: 'ScheduledList' })

/** The shared error body of every wabridge API (@wabridge/process errorBody). */
export const ErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${SCHEDULER_ERROR_CODES.join(', ')}, SCHEDULER_UNAUTHORIZED, SCHEDULER_ADMIN_TOKEN_MISSING, ` +
    'or SCHEDULER_BAD_REQUEST, SCHEDULER_NOT_FOUND, SCHEDULER_INTERNAL from the HTTP layer.'
})

export { HealthBodySchema } from '@wabridge/process'
