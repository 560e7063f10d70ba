import { z } from 'zod'
import { SchemaError } from './errors.ts'
import { PRIORITIES, type OutboundRequest } from './outbound-records.ts'
import { describeIssue, parseWith } from './zod-issues.ts'

/** A message to send: Meta's message object without messaging_product and to. */
export const SendMessageSchema = z.looseObject({
  type: z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a message type such as "text" or "template"'),
  recipient_type: z.enum(['individual', 'group']).optional(),
  context: z.looseObject({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional()
})

/** Mark a received message as read, optionally showing a typing indicator. */
export const MarkReadMessageSchema = z.looseObject({
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.looseObject({ type: z.literal('text') }).optional()
})

export type SendMessage = z.infer<typeof SendMessageSchema>
export type MarkReadMessage = z.infer<typeof MarkReadMessageSchema>
/** The `message` of an outbound request. */
export type OutboundMessage = SendMessage | MarkReadMessage

function reportIssues (error: z.ZodError | undefined, ctx: z.RefinementCtx): void {
  for (const issue of error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path, message: describeIssue(issue) })
}

/** Message types whose object names a media file: by `id`, by `link`, or by `store_uri` (a file of the gateway's media store). */
export const MEDIA_TYPES: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'document', 'sticker'])
/** A media store URI: file:///absolute/path or s3://bucket/key. */
export const STORE_URI = /^(file:\/\/\/[^\0]+|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+)$/

/** `store_uri` (egress uploads the stored file once and sends its media id) excludes `id` and `link`, and must be a store URI. */
function checkMediaSource (media: Record<string, unknown>, type: string, ctx: z.RefinementCtx): void {
  if (media.store_uri === undefined) return
  if (typeof media.store_uri !== 'string' || !STORE_URI.test(media.store_uri)) {
    ctx.addIssue({ code: 'custom', path: [type, 'store_uri'], message: 'must be a media store URI: file:///absolute/path or s3://bucket/key' })
  }
  for (const other of ['id', 'link'] as const) {
    if (media[other] !== undefined) ctx.addIssue({ code: 'custom', path: [type, other], message: 'must not be set together with store_uri: name the file one way (the gateway uploads a store_uri file and sends its id)' })
  }
}

/**
 * The `message` of an outbound request: either `{ type: t, [t]: {...}, context?, recipient_type?,
 * biz_opaque_callback_data? }` (the object named by `type` must be present) or mark-as-read
 * `{ status: 'read', message_id, typing_indicator? }`. Other fields pass through to Meta as given.
 */
export const OutboundMessageSchema = z.looseObject({}).superRefine((message, ctx) => {
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
  } else if (result.success && MEDIA_TYPES.has(result.data.type)) {
    checkMediaSource(payload as Record<string, unknown>, result.data.type, ctx)
  }
}).transform((message) => message as OutboundMessage)

const E164 = /^\+?[1-9]\d{6,14}$/
const GROUP_ID = /^[A-Za-z0-9._:=@-]{1,128}$/

/**
 * The JSON form of an outbound request (brief: "Outbound request (JSON form)"). Unknown top-level
 * fields are refused, so that a misspelt `expires_at` is not silently ignored.
 */
export const OutboundRequestJsonSchema = z.strictObject({
  /** Producer's id: dedup and correlation key, echoed on the result. */
  request_id: z.string().min(1).max(128).optional(),
  phone_number_id: z.string().regex(/^\d+$/, 'must be the phone number ID (digits only), not the phone number'),
  /** E.164 (the + is optional), or a group id when message.recipient_type is "group". */
  to: z.string().min(1).max(128),
  message: OutboundMessageSchema,
  /** ISO 8601 date-time with Z or an offset: do not send after this. */
  expires_at: z.iso.datetime({ offset: true }).optional(),
  /** ISO 8601 date-time: when the producer created the request. */
  created_at: z.iso.datetime({ offset: true }).optional(),
  /** Echoed on the result. */
  metadata: z.record(z.string(), z.string()).optional(),
  /** RFC 3339 date-time with Z or an offset: send no earlier than this (at most 365 days ahead; past = now). */
  send_at: z.iso.datetime({ offset: true }).optional(),
  /** interactive (default): conversations, sent first; bulk: sent with what interactive traffic leaves. */
  priority: z.enum(PRIORITIES, { error: 'must be "interactive" or "bulk"' }).optional()
}).superRefine((request, ctx) => {
  const isGroup = 'recipient_type' in request.message && request.message.recipient_type === 'group'
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

/** A validated outbound request in JSON form. */
export type OutboundRequestJson = z.output<typeof OutboundRequestJsonSchema>

/** Validates the JSON form of an outbound request; throws SchemaError SCHEMA_INVALID_PAYLOAD naming every bad field. */
export function parseOutboundRequestJson (input: unknown): OutboundRequestJson {
  return parseWith(OutboundRequestJsonSchema, input, 'outbound request')
}

/** The Avro value of a validated JSON request: message → message_json text, ISO times → epoch ms. */
export function toOutboundRequestRecord (request: OutboundRequestJson): OutboundRequest {
  return {
    request_id: request.request_id ?? null,
    phone_number_id: request.phone_number_id,
    to: request.to,
    message_json: JSON.stringify(request.message),
    expires_at: request.expires_at === undefined ? null : Date.parse(request.expires_at),
    metadata: { ...request.metadata },
    created_at: request.created_at === undefined ? null : Date.parse(request.created_at),
    send_at: request.send_at === undefined ? null : Date.parse(request.send_at),
    priority: request.priority ?? null
  }
}

function toIso (ms: number, field: string): string {
  const date = new Date(ms)
  if (Number.isNaN(date.getTime())) {
    throw new SchemaError('SCHEMA_INVALID_PAYLOAD', `invalid outbound request: ${field}: is not a valid time`, {
      issues: [{ path: field, message: 'is not a valid time' }]
    })
  }
  return date.toISOString()
}

/**
 * The JSON form of an Avro request, validated like a JSON request (so Avro and JSON producers meet
 * the same rules). Times come back as UTC ISO strings with milliseconds. Throws SCHEMA_INVALID_PAYLOAD.
 */
export function fromOutboundRequestRecord (record: OutboundRequest): OutboundRequestJson {
  let message: unknown
  try {
    message = JSON.parse(record.message_json)
  } catch (err) {
    throw new SchemaError('SCHEMA_INVALID_PAYLOAD', 'invalid outbound request: message_json: is not JSON', {
      cause: err, issues: [{ path: 'message_json', message: 'is not JSON' }]
    })
  }
  const json: Record<string, unknown> = { phone_number_id: record.phone_number_id, to: record.to, message }
  if (record.request_id !== null) json.request_id = record.request_id
  if (record.expires_at !== null) json.expires_at = toIso(record.expires_at, 'expires_at')
  if (record.created_at !== null) json.created_at = toIso(record.created_at, 'created_at')
  if (record.send_at != null) json.send_at = toIso(record.send_at, 'send_at')
  if (record.priority != null) json.priority = record.priority
  if (Object.keys(record.metadata).length > 0) json.metadata = { ...record.metadata }
  return parseOutboundRequestJson(json)
}
