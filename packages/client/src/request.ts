// Validation of a request, with the same rules as the gateway's JSON form
// (@wabridge/schemas' src/outbound-request.ts; test/request.test.ts checks both agree).
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { ClientError, type RequestIssue } from './errors.ts'
import { PRIORITIES, type OutboundRequestRecord, type Priority } from './records.ts'

/** How far ahead send_at may be: 365 days, ms (the gateway fails a request beyond it). */
export const MAX_SEND_AHEAD_MS = 365 * 24 * 60 * 60 * 1000

/**
 * A request whose send_at is later than now + this is scheduled (written to
 * `<prefix>.outbound.scheduled`); one due within it is sent now, as egress decides, ms.
 */
export const SCHEDULE_AFTER_MS = 1000

/** A message to send: Meta's message object without `messaging_product` and `to`, e.g. `{ type: 'text', text: { body: 'Hi' } }`. */
export interface SendMessage {
  /** text, template, image, document, interactive, reaction, … ; the object of that name must be present. */
  type: string
  recipient_type?: 'individual' | 'group'
  /** Reply to a received message. */
  context?: { message_id: string }
  /** Up to 512 characters, echoed on the message's status webhooks. */
  biz_opaque_callback_data?: string
  [field: string]: unknown
}

/** Marks a received message as read (optionally with a typing indicator). */
export interface MarkReadMessage {
  status: 'read'
  message_id: string
  typing_indicator?: { type: 'text' }
  [field: string]: unknown
}

export type OutboundMessage = SendMessage | MarkReadMessage

/** What send() takes: the JSON form of an outbound request (docs/topics.md, "Encoding"). */
export interface SendRequest {
  /** Your id: the gateway sends a request_id once and echoes it on the result. Default: a random UUID. */
  request_id?: string
  /** The business phone number ID that sends (digits), not the phone number. */
  phone_number_id: string
  /** E.164 phone number (the + is optional), or a group id with message.recipient_type 'group'. */
  to: string
  message: OutboundMessage
  /** Do not send after this instant (ISO 8601 with Z or an offset, or a Date). */
  expires_at?: string | Date
  /** When you created the request (ISO 8601 or a Date). Default: now. */
  created_at?: string | Date
  /** Your key/values, echoed on the result. */
  metadata?: Record<string, string>
  /**
   * Send no earlier than this instant (RFC 3339 with Z or an offset, or a Date), at most 365 days
   * ahead; a time in the past means now. A later one is held by the gateway's scheduler until then.
   */
  send_at?: string | Date
  /** interactive (default: conversations, sent first) or bulk (campaigns, reminders: sent with what interactive traffic leaves). */
  priority?: Priority
}

const SendMessageSchema = z.looseObject({
  type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a message type such as "text" or "template"'),
  recipient_type: z.enum(['individual', 'group']).optional(),
  context: z.looseObject({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional()
})

const MarkReadMessageSchema = z.looseObject({
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.looseObject({ type: z.literal('text') }).optional()
})

function article (expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

/** A zod issue as a short message that never quotes the input (it may be customer data). */
function describeIssue (issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': return /received undefined$/.test(issue.message) ? 'is required' : `must be ${article(issue.expected)}`
    case 'invalid_value': return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`
    case 'unrecognized_keys': return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    default: return issue.message
  }
}

function reportIssues (error: z.ZodError | undefined, ctx: z.RefinementCtx): void {
  for (const issue of error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path, message: describeIssue(issue) })
}

const OutboundMessageSchema = z.looseObject({}).superRefine((message, ctx) => {
  if ('messaging_product' in message) {
    ctx.addIssue({ code: 'custom', path: ['messaging_product'], message: 'must not be set: the gateway adds messaging_product itself' })
  }
  if ('to' in message) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be set: give the recipient as the request\'s "to"' })
  }
  if (message.status === undefined && message.type === undefined) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: 'is required (e.g. "text"); or use status "read" with message_id to mark a message as read' })
    return
  }
  if (message.status !== undefined && message.status !== 'read') {
    ctx.addIssue({ code: 'custom', path: ['status'], message: 'must be "read" to mark a message as read; to send a message give message.type instead' })
    return
  }
  if (message.status !== undefined) {
    reportIssues(MarkReadMessageSchema.safeParse(message).error, ctx)
    return
  }
  const result = SendMessageSchema.safeParse(message)
  reportIssues(result.error, ctx)
  // The payload is usually an object; for type "contacts" it is an array.
  const payload = result.success ? message[result.data.type] : undefined
  if (result.success && (typeof payload !== 'object' || payload === null)) {
    ctx.addIssue({ code: 'custom', path: [result.data.type], message: `is required: the "${result.data.type}" object named by message.type` })
  }
})

const E164 = /^\+?[1-9]\d{6,14}$/
const GROUP_ID = /^[A-Za-z0-9._:=@-]{1,128}$/

const RequestSchema = z.strictObject({
  request_id: z.string().min(1).max(128),
  phone_number_id: z.string().regex(/^\d+$/, 'must be the phone number ID (digits only), not the phone number'),
  to: z.string().min(1).max(128),
  message: OutboundMessageSchema,
  expires_at: z.iso.datetime({ offset: true }).optional(),
  created_at: z.iso.datetime({ offset: true }).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  send_at: z.iso.datetime({ offset: true }).optional(),
  priority: z.enum(PRIORITIES).optional()
}).superRefine((request, ctx) => {
  const isGroup = request.message.recipient_type === 'group'
  if (isGroup ? !GROUP_ID.test(request.to) : !E164.test(request.to)) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: isGroup
        ? 'must be a group id (letters, digits and . _ : = @ -)'
        : 'must be a phone number in E.164 form such as +16505551234 (the + is optional), or a group id with message.recipient_type "group"'
    })
  }
})

function isoOf (value: unknown): unknown {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value
}

/**
 * Validates a request and returns its record value. Throws ClientError CLIENT_INVALID_REQUEST
 * naming every bad field (never quoting values: they may be customer data).
 */
export function toRequestRecord (request: SendRequest, now: () => number = Date.now): OutboundRequestRecord & { request_id: string } {
  const input = typeof request === 'object' && request !== null
    ? {
        ...request,
        request_id: request.request_id ?? randomUUID(),
        ...(request.expires_at !== undefined && { expires_at: isoOf(request.expires_at) }),
        ...(request.send_at !== undefined && { send_at: isoOf(request.send_at) }),
        created_at: request.created_at === undefined ? new Date(now()).toISOString() : isoOf(request.created_at)
      }
    : request
  const parsed = RequestSchema.safeParse(input)
  if (!parsed.success) {
    invalid(parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: describeIssue(issue) })), parsed.error)
  }
  const r = parsed.data
  const sendAt = r.send_at === undefined ? null : Date.parse(r.send_at)
  // Egress fails such a request; refusing it here writes nothing (the HTTP API answers 400 alike).
  if (sendAt !== null && sendAt > now() + MAX_SEND_AHEAD_MS) {
    invalid([{ path: 'send_at', message: 'must be at most 365 days ahead' }])
  }
  return {
    request_id: r.request_id,
    phone_number_id: r.phone_number_id,
    to: r.to,
    message_json: JSON.stringify(r.message),
    expires_at: r.expires_at === undefined ? null : Date.parse(r.expires_at),
    metadata: { ...r.metadata },
    created_at: r.created_at === undefined ? null : Date.parse(r.created_at),
    send_at: sendAt,
    priority: r.priority ?? null
  }
}

function invalid (issues: RequestIssue[], cause?: unknown): never {
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
  throw new ClientError('CLIENT_INVALID_REQUEST', `invalid request: ${summary}`, { issues, cause })
}

/** Whether a request record goes to the scheduler: its send_at is later than now + SCHEDULE_AFTER_MS. */
export function isScheduled (record: Pick<OutboundRequestRecord, 'send_at'>, now: number): boolean {
  return record.send_at != null && record.send_at > now + SCHEDULE_AFTER_MS
}
