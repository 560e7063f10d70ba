import type { ErrorClass } from './error-classes.ts'
import type { MessageTemplate } from './message-templates.ts'
import type { MessagingLimit } from './messaging-limit.ts'
import type { GraphUsage } from './usage-headers.ts'

/** A failed call, from Meta's error envelope or from the transport. */
export interface GraphError {
  /** Meta's `error.code`; absent for transport errors and bodies without one. */
  code?: number
  /** Meta's `error.error_subcode` (deprecated by Meta but still sent at times). */
  subcode?: number
  /** Meta's `error.type`, e.g. OAuthException. */
  type?: string
  message: string
  /** Meta's `error.error_data.details`: the part to build logic on besides `code`. */
  details?: string
  fbtraceId?: string
  httpStatus?: number
  /** For transport errors: the network error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT, …). */
  networkCode?: string
  /**
   * Whether the whole request had been written to the socket when it failed: false means it
   * certainly never reached anyone (safe to send again). Set on every failure the client builds.
   */
  requestSent?: boolean
  /** errorClassOf(decideSend(error)): stored with results. */
  class: ErrorClass
  /**
   * Suggested wait, ms: before retrying (Retry-After, the catalogue's throttle delay, 4^attempt s
   * for 131056) or before replaying a `retry_later` failure (e.g. 24 h for 131049).
   */
  retryAfterMs?: number
}

/** Every call resolves to this on failure; the client never throws for API or network errors. */
export interface GraphFailure {
  ok: false
  error: GraphError
  usage: GraphUsage
}

/** Fields common to every success. */
export interface GraphSuccessBase {
  ok: true
  httpStatus: number
  usage: GraphUsage
}

/** A message accepted by Meta (accepted, not delivered: delivery comes as status webhooks). */
export interface MessageAccepted extends GraphSuccessBase {
  kind: 'message'
  wamid: string
  /** The WhatsApp id Meta resolved `to` into; may differ from the input. */
  waId: string
  input: string
  /** Only for templates under pacing: accepted | held_for_quality_assessment | paused. */
  messageStatus?: string
  groupId?: string
}

/** A mark-as-read that succeeded; `wamid` is the message that was marked read. */
export interface ReadAccepted extends GraphSuccessBase {
  kind: 'read'
  wamid: string
}

/** The outcome of sendMessage / markAsRead. */
export type SendOutcome = MessageAccepted | ReadAccepted | GraphFailure

/** The outcome of a media upload: the new media id (valid 30 days). */
export type UploadOutcome = (GraphSuccessBase & { id: string }) | GraphFailure

/** Media metadata with a download URL valid for 5 minutes. */
export interface MediaInfo {
  id: string
  url: string
  mimeType: string
  sha256: string
  fileSize: number
}
export type MediaInfoOutcome = (GraphSuccessBase & MediaInfo) | GraphFailure

/** Downloaded media bytes. */
export type DownloadOutcome = (GraphSuccessBase & { data: Buffer, contentType?: string }) | GraphFailure

/** Meta's throughput level of a number: STANDARD (80 msg/s), HIGH (up to 1,000 msg/s) or NOT_APPLICABLE; other strings pass through. */
export type ThroughputLevel = 'STANDARD' | 'HIGH' | 'NOT_APPLICABLE' | (string & {})

/** `GET /{phone-number-id}?fields=display_phone_number,throughput`: the fields Meta returned. */
export interface PhoneNumberInfo {
  id: string
  displayPhoneNumber?: string
  throughputLevel?: ThroughputLevel
}
export type PhoneNumberInfoOutcome = (GraphSuccessBase & PhoneNumberInfo) | GraphFailure

/** `GET /{waba-id}/message_templates`, every page followed. */
export type TemplateListOutcome = (GraphSuccessBase & { templates: MessageTemplate[] }) | GraphFailure

/**
 * `GET /{node-id}?fields=whatsapp_business_manager_messaging_limit` (a phone number, WABA or
 * portfolio): the tier, its limit (null = unlimited, undefined = unknown or not set) and Meta's raw value.
 */
export type MessagingLimitOutcome = (GraphSuccessBase & MessagingLimit & { id: string, raw?: unknown }) | GraphFailure

/** A DELETE that succeeded. */
export type DeleteOutcome = GraphSuccessBase | GraphFailure
