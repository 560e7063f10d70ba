import { createTraceId } from './wamid.ts'

/** Meta's error envelope, as the Graph API returns it. */
export interface MetaErrorBody {
  error: {
    message: string
    type: string
    code: number
    error_subcode?: number
    error_data?: { messaging_product: 'whatsapp', details: string }
    fbtrace_id: string
  }
}

/** An error reply: HTTP status plus envelope. */
export interface MetaErrorReply {
  statusCode: number
  body: MetaErrorBody
}

interface CatalogueEntry { httpStatus: number, message: string, details?: string, type?: string }

/**
 * Messages and HTTP statuses the sim uses per code. Meta's HTTP status for throttling codes is not
 * reliable (400 in an older copy of the error page; 429 reported by third parties); the sim sends 400
 * so clients must key on `code`, as Meta advises.
 */
const CATALOGUE: Record<number, CatalogueEntry> = {
  1: { httpStatus: 500, message: 'An unknown error occurred' },
  2: { httpStatus: 503, message: 'Service temporarily unavailable' },
  4: { httpStatus: 400, message: '(#4) Application request limit reached' },
  10: { httpStatus: 403, message: '(#10) Application does not have permission for this action' },
  33: { httpStatus: 400, message: '(#33) This business phone number has been deleted.' },
  100: { httpStatus: 400, message: '(#100) Invalid parameter' },
  190: { httpStatus: 401, message: 'Invalid OAuth access token - Cannot parse access token' },
  368: { httpStatus: 400, message: '(#368) Temporarily blocked for policies violations' },
  2500: { httpStatus: 400, message: 'Unknown path components' },
  80007: { httpStatus: 400, message: '(#80007) Rate limit issues' },
  130429: { httpStatus: 400, message: '(#130429) Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131000: { httpStatus: 500, message: '(#131000) Something went wrong', details: 'Message failed to send due to an unknown error.' },
  131005: { httpStatus: 403, message: '(#131005) Access denied', details: 'Permission is either not granted or has been removed.' },
  131026: { httpStatus: 400, message: '(#131026) Message Undeliverable.', details: 'Message failed to send because the recipient cannot receive it.' },
  131031: { httpStatus: 400, message: '(#131031) Business Account locked', details: 'The WhatsApp Business Account is restricted or disabled for violating a platform policy.' },
  131042: { httpStatus: 400, message: '(#131042) Business eligibility payment issue', details: 'Message failed to send because there were one or more errors related to your payment method.' },
  131047: { httpStatus: 400, message: '(#131047) Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
  131048: { httpStatus: 400, message: '(#131048) Spam rate limit hit', details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.' },
  131049: { httpStatus: 400, message: '(#131049) This message was not delivered to maintain healthy ecosystem engagement.', details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.' },
  131050: { httpStatus: 400, message: '(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business' },
  131053: { httpStatus: 400, message: '(#131053) Media upload error', details: 'Unable to upload the media used in the message.' },
  131056: { httpStatus: 400, message: '(#131056) (Business Account, Consumer Account) pair rate limit hit', details: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.' },
  131057: { httpStatus: 503, message: '(#131057) Account in maintenance mode', details: 'Business Account is in maintenance mode; it may be undergoing a throughput upgrade.' },
  132000: { httpStatus: 400, message: '(#132000) Number of parameters does not match the expected number of params' },
  132001: { httpStatus: 404, message: '(#132001) Template name does not exist in the translation', details: 'The template does not exist in the specified language or has not been approved.' },
  132015: { httpStatus: 400, message: '(#132015) Template is Paused', details: 'The template is paused due to low quality so it cannot be sent in a template message.' },
  132016: { httpStatus: 400, message: '(#132016) Template is Disabled', details: 'The template has been paused too many times due to low quality and is now permanently disabled.' },
  132018: { httpStatus: 400, message: '(#132018) There was an issue with the parameters in your template.' },
  132068: { httpStatus: 400, message: '(#132068) Flow is in blocked state', details: 'The Flow is blocked; fix it before sending messages that use it.' },
  132069: { httpStatus: 400, message: '(#132069) Flow is in throttled state', details: '10 messages using this Flow were already sent in the last hour.' },
  133004: { httpStatus: 503, message: '(#133004) Server Temporarily Unavailable' },
  133010: { httpStatus: 400, message: '(#133010) Phone number Not Registered', details: 'The phone number is not registered on the WhatsApp Business Platform.' }
}

/** Builds Meta's error reply for `code`; `details` and `httpStatus` override the catalogue. */
export function metaError (code: number, overrides: { details?: string, httpStatus?: number, message?: string, subcode?: number } = {}): MetaErrorReply {
  const entry = CATALOGUE[code] ?? { httpStatus: 400, message: `(#${code}) Error` }
  const details = overrides.details ?? entry.details
  const error: MetaErrorBody['error'] = {
    message: overrides.message ?? entry.message,
    type: entry.type ?? 'OAuthException',
    code,
    ...(overrides.subcode === undefined ? {} : { error_subcode: overrides.subcode }),
    ...(details === undefined ? {} : { error_data: { messaging_product: 'whatsapp' as const, details } }),
    fbtrace_id: createTraceId()
  }
  return { statusCode: overrides.httpStatus ?? entry.httpStatus, body: { error } }
}

/** A parameter error (code 100) whose message names the problem, like Meta's `(#100) Param … `. */
export function invalidParameter (details: string): MetaErrorReply {
  return metaError(100, { message: `(#100) ${details}`, details })
}

/** The title Meta puts in `errors[]` of a failed status for `code`. */
export function errorTitle (code: number): string {
  return (CATALOGUE[code]?.message ?? `(#${code}) Error`).replace(/^\(#\d+\)\s*/, '')
}
