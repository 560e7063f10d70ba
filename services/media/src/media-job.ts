import type { InboundMessage } from '@wabridge/schemas'
import { isMediaType, type MediaType } from './media-rules.ts'

/** What the worker needs of one inbound media message. */
export interface MediaJob {
  messageId: string
  mediaId: string
  type: MediaType
  phoneNumberId: string
  wabaId: string | null
  waId: string
  /** As the webhook gave it; may be absent. */
  mimeType: string | undefined
  /** Hex or base64, as the webhook gave it. */
  sha256: string | undefined
  /** The webhook's download URL, when it had one (it expires within minutes). */
  url: string | undefined
  filename: string | null
  messageTimestamp: number | null
}

/**
 * The media job of an inbound message; undefined for a message without media (text, location …).
 * A media message whose JSON lacks the media id still gives a job (mediaId '') so it gets a failed record.
 */
export function mediaJobOf (message: InboundMessage): MediaJob | undefined {
  if (!isMediaType(message.type)) return undefined
  let object: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(message.message_json) as Record<string, unknown>
    const inner = parsed[message.type]
    if (inner !== null && typeof inner === 'object') object = inner as Record<string, unknown>
  } catch { /* a bad JSON gives a job without id: failed as not_found */ }
  const str = (v: unknown): string | undefined => typeof v === 'string' && v !== '' ? v : undefined
  return {
    messageId: message.message_id,
    mediaId: str(object.id) ?? '',
    type: message.type,
    phoneNumberId: message.phone_number_id,
    wabaId: message.waba_id === '' ? null : message.waba_id,
    waId: message.customer_wa_id,
    mimeType: str(object.mime_type),
    sha256: str(object.sha256),
    url: str(object.url),
    filename: str(object.filename) ?? null,
    messageTimestamp: Number.isFinite(message.meta_timestamp) ? message.meta_timestamp : null
  }
}
