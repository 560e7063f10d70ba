// Values of wa.windows, wa.templates, wa.inbound.media and wa.media.uploads, matching
// avro/customer-window.avsc, template-entry.avsc, inbound-media.avsc and uploaded-media.avsc field for
// field (a test checks it). Times are epoch milliseconds.

/** The service windows between one business number and one user (topic wa.windows, compacted, key = windowKey). */
export interface CustomerWindow {
  phone_number_id: string
  wa_id: string
  last_inbound_at: number | null
  last_inbound_id: string | null
  csw_expires_at: number | null
  referral_at: number | null
  fep_opened_at: number | null
  fep_expires_at: number | null
  updated_at: number
}

/** The customer service window lasts 24 h from the user's last message. */
export const CSW_DURATION_MS = 24 * 60 * 60 * 1000
/** The free entry point window lasts 72 h from the business's reply. */
export const FEP_DURATION_MS = 72 * 60 * 60 * 1000

/** The Kafka key of a window: '{phone_number_id}:{wa_id}'. */
export function windowKey (phoneNumberId: string, waId: string): string {
  return `${phoneNumberId}:${waId}`
}

/** One template of a WABA in the catalogue (topic wa.templates, compacted, key = templateKey). */
export interface TemplateEntry {
  waba_id: string
  name: string
  language: string
  template_id: string | null
  status: string
  category: string | null
  sub_category: string | null
  parameter_format: string | null
  components_json: string | null
  quality_score: string | null
  reason: string | null
  status_changed_at: number | null
  synced_at: number | null
  source: string
  updated_at: number
}

/** `en-US` (webhooks) and `en_US` (the templates API) are the same language. */
export function normalizeLanguageCode (code: string): string {
  return code.trim().replace(/-/g, '_')
}

/** The Kafka key of a template: '{waba_id}:{name}:{language}' with the language normalized. */
export function templateKey (wabaId: string, name: string, language: string): string {
  return `${wabaId}:${name}:${normalizeLanguageCode(language)}`
}

/** Symbols of the MediaStatus enum. */
export const MEDIA_STATUSES = ['ready', 'failed'] as const
export type MediaStatus = typeof MEDIA_STATUSES[number]

/** Symbols of the MediaFailure enum. */
export const MEDIA_FAILURES = ['unsupported_type', 'too_large', 'hash_mismatch', 'link_expired', 'not_found', 'host_not_allowed', 'download_failed', 'store_failed'] as const
export type MediaFailure = typeof MEDIA_FAILURES[number]

/** The media of one inbound message, stored or given up (topic wa.inbound.media, key '{phone_number_id}:{wa_id}'). */
export interface InboundMedia {
  event_id: string
  status: MediaStatus
  message_id: string
  media_id: string
  media_type: string
  phone_number_id: string
  waba_id: string | null
  wa_id: string
  mime_type: string | null
  sha256: string | null
  size: number | null
  storage_uri: string | null
  filename: string | null
  failure: MediaFailure | null
  reason: string | null
  attempts: number
  message_timestamp: number | null
  completed_at: number
}

/** A store file uploaded to a number, for reuse of its media id (topic wa.media.uploads, compacted, key = uploadedMediaKey). */
export interface UploadedMedia {
  phone_number_id: string
  storage_uri: string
  sha256: string
  media_id: string
  mime_type: string
  size: number
  uploaded_at: number
  expires_at: number
}

/** The Kafka key of an upload: '{phone_number_id}:{storage_uri}'. */
export function uploadedMediaKey (phoneNumberId: string, storageUri: string): string {
  return `${phoneNumberId}:${storageUri}`
}
