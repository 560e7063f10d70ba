/** What a valid send request is. */
export type ValidRequest =
  | { kind: 'message', to: string, type: string, recipientType: string, bizOpaqueCallbackData?: string }
  | { kind: 'read', messageId: string, typingIndicator: boolean }

/** A validation result: the request, or the detail text of Meta's code-100 error. */
export type Validation = { ok: true, request: ValidRequest } | { ok: false, details: string }

/** Message types the sim accepts (the object named by `type` must be present). */
export const MESSAGE_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'template', 'interactive', 'reaction', 'location', 'contacts'] as const

const INTERACTIVE_TYPES = ['button', 'list', 'cta_url', 'flow', 'product', 'product_list', 'catalog_message', 'location_request_message', 'address_message', 'call_permission_request']
const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'document', 'sticker'])

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0
const isCoord = (v: unknown, max: number): boolean => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  return Number.isFinite(n) && Math.abs(n) <= max
}

function checkMedia (type: string, m: Obj): string | undefined {
  const hasId = isStr(m.id)
  const hasLink = isStr(m.link)
  if (hasId === hasLink) return `Param ${type} must have exactly one of 'id' or 'link'`
  if (hasLink && !/^https?:\/\//.test(m.link as string)) return `Param ${type}['link'] must be a valid URL`
  if (m.caption !== undefined && typeof m.caption !== 'string') return `Param ${type}['caption'] must be a string`
  return undefined
}

function checkTemplate (t: Obj): string | undefined {
  if (!isStr(t.name)) return "The parameter template['name'] is required."
  if (!isObj(t.language) || !isStr(t.language.code)) return "The parameter template['language']['code'] is required."
  if (t.components === undefined) return undefined
  if (!Array.isArray(t.components)) return "Param template['components'] must be an array"
  for (const [i, c] of t.components.entries()) {
    if (!isObj(c) || !isStr(c.type)) return `Param template['components'][${i}]['type'] is required`
    if (c.parameters !== undefined && !Array.isArray(c.parameters)) return `Param template['components'][${i}]['parameters'] must be an array`
    if (c.type === 'button' && (!isStr(c.sub_type) || c.index === undefined)) return `Param template['components'][${i}] button needs 'sub_type' and 'index'`
  }
  return undefined
}

function checkInteractive (x: Obj): string | undefined {
  if (!isStr(x.type) || !INTERACTIVE_TYPES.includes(x.type)) return `Param interactive['type'] must be one of {${INTERACTIVE_TYPES.join(', ')}}`
  if (!isObj(x.action)) return "The parameter interactive['action'] is required."
  const needsBody = ['button', 'list', 'cta_url', 'flow', 'product_list', 'catalog_message', 'location_request_message'].includes(x.type)
  if (needsBody && (!isObj(x.body) || !isStr(x.body.text))) return "The parameter interactive['body']['text'] is required."
  const a = x.action
  if (x.type === 'button' && (!Array.isArray(a.buttons) || a.buttons.length < 1 || a.buttons.length > 3)) return "Param interactive['action']['buttons'] must have 1 to 3 buttons"
  if (x.type === 'list' && (!isStr(a.button) || !Array.isArray(a.sections) || a.sections.length === 0)) return "Param interactive['action'] needs 'button' and 'sections'"
  if ((x.type === 'cta_url' || x.type === 'flow') && !isObj(a.parameters)) return "The parameter interactive['action']['parameters'] is required."
  return undefined
}

function checkContent (type: string, content: unknown): string | undefined {
  if (type === 'contacts') {
    if (!Array.isArray(content) || content.length === 0) return 'Param contacts must be a non-empty array'
    return content.every((c) => isObj(c) && isObj(c.name) && isStr(c.name.formatted_name)) ? undefined : "The parameter contacts[]['name']['formatted_name'] is required."
  }
  if (!isObj(content)) return `The parameter ${type} is required.`
  if (MEDIA_TYPES.has(type)) return checkMedia(type, content)
  switch (type) {
    case 'text':
      if (typeof content.body !== 'string' || content.body.length === 0) return "The parameter text['body'] is required."
      return content.body.length > 4096 ? "Param text['body'] must be at most 4096 characters long." : undefined
    case 'template': return checkTemplate(content)
    case 'interactive': return checkInteractive(content)
    case 'reaction':
      if (!isStr(content.message_id)) return "The parameter reaction['message_id'] is required."
      return typeof content.emoji === 'string' ? undefined : "The parameter reaction['emoji'] is required."
    case 'location':
      return isCoord(content.latitude, 90) && isCoord(content.longitude, 180) ? undefined : "Param location needs numeric 'latitude' and 'longitude'"
  }
  return undefined
}

function validateRead (body: Obj): Validation {
  if (body.status !== 'read') return { ok: false, details: "Param status must be 'read'" }
  if (!isStr(body.message_id)) return { ok: false, details: 'The parameter message_id is required.' }
  const ti = body.typing_indicator
  if (ti !== undefined && (!isObj(ti) || ti.type !== 'text')) return { ok: false, details: "Param typing_indicator['type'] must be 'text'" }
  return { ok: true, request: { kind: 'read', messageId: body.message_id, typingIndicator: ti !== undefined } }
}

/** Checks a `POST /{phone-number-id}/messages` body the way the Cloud API does (enough of it). */
export function validateMessage (body: unknown): Validation {
  if (!isObj(body)) return { ok: false, details: 'The request body must be a JSON object.' }
  if (body.messaging_product === undefined) return { ok: false, details: 'The parameter messaging_product is required.' }
  if (body.messaging_product !== 'whatsapp') return { ok: false, details: "Param messaging_product must be 'whatsapp'" }
  if (body.status !== undefined) return validateRead(body)
  const recipientType = body.recipient_type ?? 'individual'
  if (recipientType !== 'individual' && recipientType !== 'group') return { ok: false, details: 'Param recipient_type must be one of {individual, group}' }
  if (!isStr(body.to)) return { ok: false, details: 'The parameter to is required.' }
  if (recipientType === 'individual' && !/^\+?[\d\s().-]{5,24}$/.test(body.to)) return { ok: false, details: 'Param to must be a valid phone number' }
  // Meta treats a missing type as text.
  const type = body.type ?? 'text'
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    return { ok: false, details: `Param type must be one of {${MESSAGE_TYPES.join(', ')}}` }
  }
  const problem = checkContent(type, body[type])
  if (problem) return { ok: false, details: problem }
  if (body.context !== undefined && (!isObj(body.context) || !isStr(body.context.message_id))) return { ok: false, details: "The parameter context['message_id'] is required." }
  const biz = body.biz_opaque_callback_data
  if (biz !== undefined && (typeof biz !== 'string' || biz.length > 512)) return { ok: false, details: 'Param biz_opaque_callback_data must be a string of at most 512 characters' }
  return { ok: true, request: { kind: 'message', to: body.to, type, recipientType, ...(biz === undefined ? {} : { bizOpaqueCallbackData: biz }) } }
}
