/**
 * Meta's outbound message objects, as in the Cloud API send reference, without `messaging_product`
 * and `to` (the client adds those). Field names are Meta's (snake_case) so a message taken from a
 * Kafka record can be sent as it is. Every object allows extra fields Meta may add later.
 */

/** A reply: `context.message_id` is the wamid being replied to. */
export interface MessageContext { message_id: string }

interface MessageBase {
  recipient_type?: 'individual' | 'group'
  context?: MessageContext
  biz_opaque_callback_data?: string
  [extra: string]: unknown
}

export interface TextMessage extends MessageBase { type: 'text', text: { body: string, preview_url?: boolean } }

/** Media by an uploaded media id or by a public https link. */
export type MediaSource = { id: string, link?: never } | { link: string, id?: never }
export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker'
export type MediaObject = MediaSource & { caption?: string, filename?: string }

export interface ImageMessage extends MessageBase { type: 'image', image: MediaObject }
export interface VideoMessage extends MessageBase { type: 'video', video: MediaObject }
export interface AudioMessage extends MessageBase { type: 'audio', audio: MediaObject }
export interface DocumentMessage extends MessageBase { type: 'document', document: MediaObject }
export interface StickerMessage extends MessageBase { type: 'sticker', sticker: MediaObject }
export type MediaMessage = ImageMessage | VideoMessage | AudioMessage | DocumentMessage | StickerMessage

/** One template parameter (header, body or button). */
export type TemplateParameter =
  | { type: 'text', text: string, parameter_name?: string }
  | { type: 'currency', currency: { fallback_value: string, code: string, amount_1000: number }, parameter_name?: string }
  | { type: 'date_time', date_time: { fallback_value: string }, parameter_name?: string }
  | { type: 'image', image: MediaSource }
  | { type: 'video', video: MediaSource }
  | { type: 'document', document: MediaSource & { filename?: string } }
  | { type: 'location', location: LocationObject }
  | { type: 'payload', payload: string }
  | { type: 'coupon_code', coupon_code: string }
  | { type: 'action', action: Record<string, unknown> }

export type TemplateComponent =
  | { type: 'header', parameters: TemplateParameter[] }
  | { type: 'body', parameters: TemplateParameter[] }
  | { type: 'button', sub_type: 'quick_reply' | 'url' | 'copy_code' | 'flow' | 'catalog' | 'otp' | string, index: number | string, parameters: TemplateParameter[] }

export interface TemplateObject {
  name: string
  language: { code: string, policy?: 'deterministic' }
  components?: TemplateComponent[]
}
export interface TemplateMessage extends MessageBase { type: 'template', template: TemplateObject }

export interface InteractiveHeader {
  type: 'text' | 'image' | 'video' | 'document'
  text?: string
  image?: MediaSource
  video?: MediaSource
  document?: MediaSource
}
export interface InteractiveObject {
  type: 'button' | 'list' | 'cta_url' | 'flow' | 'product' | 'product_list' | 'catalog_message' | 'location_request_message' | string
  header?: InteractiveHeader
  body?: { text: string }
  footer?: { text: string }
  action: Record<string, unknown>
}
export interface InteractiveMessage extends MessageBase { type: 'interactive', interactive: InteractiveObject }

/** `emoji: ''` removes an earlier reaction. */
export interface ReactionMessage extends MessageBase { type: 'reaction', reaction: { message_id: string, emoji: string } }

export interface LocationObject { latitude: number, longitude: number, name?: string, address?: string }
export interface LocationMessage extends MessageBase { type: 'location', location: LocationObject }

/** One contact card (only `name.formatted_name` is required by Meta). */
export interface ContactCard {
  name: { formatted_name: string, first_name?: string, last_name?: string, [extra: string]: unknown }
  phones?: Array<{ phone?: string, type?: string, wa_id?: string }>
  emails?: Array<{ email?: string, type?: string }>
  org?: { company?: string, department?: string, title?: string }
  urls?: Array<{ url?: string, type?: string }>
  addresses?: Array<Record<string, string>>
  birthday?: string
}
export interface ContactsMessage extends MessageBase { type: 'contacts', contacts: ContactCard[] }

/** Any message the send API takes; `type` also accepts types this package does not model. */
export type OutboundMessage =
  | TextMessage | MediaMessage | TemplateMessage | InteractiveMessage
  | ReactionMessage | LocationMessage | ContactsMessage

/** Mark-as-read (and optionally show a typing indicator). It has no `to`. */
export interface MarkAsRead {
  status: 'read'
  message_id: string
  typing_indicator?: { type: 'text' }
}

/** Whatever sendMessage accepts: a message or a mark-as-read. */
export type SendableMessage = OutboundMessage | MarkAsRead

/** True for the mark-as-read shape (it has `status: 'read'` and no `type`). */
export function isMarkAsRead (message: SendableMessage | Record<string, unknown>): message is MarkAsRead {
  return (message as { status?: unknown }).status === 'read'
}
