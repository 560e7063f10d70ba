import type { GraphResponse } from './graph-transport.ts'
import { parseMessageTemplate, type MessageTemplate } from './message-templates.ts'
import { parseMessagingLimit, type MessagingLimit } from './messaging-limit.ts'
import type { MediaInfo, MessageAccepted, PhoneNumberInfo, ReadAccepted } from './outcome.ts'

function json (body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

function first (value: unknown): Record<string, unknown> | undefined {
  const item: unknown = Array.isArray(value) ? value[0] : undefined
  return typeof item === 'object' && item !== null ? item as Record<string, unknown> : undefined
}

/**
 * Reads Meta's send response (`contacts[{input, wa_id}]`, `messages[{id, message_status?}]`), or
 * `{"success": true}` for a mark-as-read of `readMessageId`. Undefined when the body is neither.
 */
export function parseSendResponse (res: GraphResponse, readMessageId: string | undefined): MessageAccepted | ReadAccepted | undefined {
  const body = json(res.body)
  if (!body) return undefined
  if (readMessageId !== undefined) {
    return body.success === true ? { ok: true, kind: 'read', wamid: readMessageId, httpStatus: res.statusCode, usage: res.usage } : undefined
  }
  const message = first(body.messages)
  const contact = first(body.contacts)
  if (typeof message?.id !== 'string') return undefined
  const out: MessageAccepted = {
    ok: true,
    kind: 'message',
    wamid: message.id,
    waId: typeof contact?.wa_id === 'string' ? contact.wa_id : '',
    input: typeof contact?.input === 'string' ? contact.input : '',
    httpStatus: res.statusCode,
    usage: res.usage
  }
  if (typeof message.message_status === 'string') out.messageStatus = message.message_status
  if (typeof message.group_id === 'string') out.groupId = message.group_id
  return out
}

/** Reads `{"id": "<media id>"}`. */
export function parseUploadResponse (res: GraphResponse): ({ ok: true, httpStatus: number, usage: GraphResponse['usage'], id: string }) | undefined {
  const body = json(res.body)
  return typeof body?.id === 'string' ? { ok: true, httpStatus: res.statusCode, usage: res.usage, id: body.id } : undefined
}

/** Reads `{messaging_product, url, mime_type, sha256, file_size, id}`. */
export function parseMediaInfo (res: GraphResponse): ({ ok: true, httpStatus: number, usage: GraphResponse['usage'] } & MediaInfo) | undefined {
  const b = json(res.body)
  if (!b || typeof b.url !== 'string' || typeof b.id !== 'string') return undefined
  return {
    ok: true,
    httpStatus: res.statusCode,
    usage: res.usage,
    id: b.id,
    url: b.url,
    mimeType: typeof b.mime_type === 'string' ? b.mime_type : 'application/octet-stream',
    sha256: typeof b.sha256 === 'string' ? b.sha256 : '',
    fileSize: typeof b.file_size === 'number' ? b.file_size : Number(b.file_size ?? 0) || 0
  }
}

/** Reads `{id, display_phone_number?, throughput?: {level}}`; undefined without an id. */
export function parsePhoneNumberInfo (res: GraphResponse): ({ ok: true, httpStatus: number, usage: GraphResponse['usage'] } & PhoneNumberInfo) | undefined {
  const b = json(res.body)
  if (!b || typeof b.id !== 'string') return undefined
  const throughput = b.throughput as { level?: unknown } | undefined
  return {
    ok: true,
    httpStatus: res.statusCode,
    usage: res.usage,
    id: b.id,
    ...(typeof b.display_phone_number === 'string' && { displayPhoneNumber: b.display_phone_number }),
    ...(typeof throughput?.level === 'string' && { throughputLevel: throughput.level })
  }
}

/** Reads one page of `{data: [...], paging: {cursors: {after}, next?}}`; `after` only when Meta gives a next page. */
export function parseTemplatePage (res: GraphResponse): { templates: MessageTemplate[], after?: string } | undefined {
  const b = json(res.body)
  if (!b || !Array.isArray(b.data)) return undefined
  const paging = b.paging as { next?: unknown, cursors?: { after?: unknown } } | undefined
  const after = typeof paging?.next === 'string' && typeof paging.cursors?.after === 'string' ? paging.cursors.after : undefined
  return { templates: b.data.map(parseMessageTemplate).filter((t) => t !== undefined), ...(after === undefined ? {} : { after }) }
}

/** Reads `{id, whatsapp_business_manager_messaging_limit?}` (or the deprecated `messaging_limit_tier`); undefined without an id. */
export function parseMessagingLimitInfo (res: GraphResponse): ({ ok: true, httpStatus: number, usage: GraphResponse['usage'], id: string, raw?: unknown } & MessagingLimit) | undefined {
  const b = json(res.body)
  if (!b || typeof b.id !== 'string') return undefined
  const raw = b.whatsapp_business_manager_messaging_limit ?? b.messaging_limit_tier
  return { ok: true, httpStatus: res.statusCode, usage: res.usage, id: b.id, ...(raw === undefined ? {} : { raw }), ...parseMessagingLimit(raw) }
}
