import { encodeMultipart } from './encode-multipart.ts'
import { graphPaths } from './graph-paths.ts'
import { createGraphTransport } from './graph-transport.ts'
import { isMarkAsRead, type SendableMessage } from './messages/message-types.ts'
import { resolveClientOptions, type GraphApiClientOptions } from './options.ts'
import type { DeleteOutcome, DownloadOutcome, MediaInfoOutcome, PhoneNumberInfoOutcome, SendOutcome, UploadOutcome } from './outcome.ts'
import { parseMediaInfo, parsePhoneNumberInfo, parseSendResponse, parseUploadResponse } from './parse-responses.ts'
import { unexpectedBodyFailure } from './to-graph-failure.ts'

/** Per-call options: the access token for the phone number, and an optional abort signal. */
export interface RequestOptions {
  /** System-user or business access token; sent as `Authorization: Bearer`. */
  token: string
  signal?: AbortSignal
}

/** Options of sendMessage. */
export interface SendOptions extends RequestOptions {
  /** Echoed in status webhooks (≤ 512 chars); put the request id here to match statuses back. */
  bizOpaqueCallbackData?: string
  /** 0-based attempt number; drives the suggested delay of 131056 (4^attempt s). Default 0. */
  attempt?: number
}

/** A file to upload. */
export interface MediaUpload {
  data: Uint8Array
  /** MIME type, e.g. image/jpeg, audio/ogg, application/pdf. */
  mimeType: string
  /** Default 'file'. */
  filename?: string
}

/** The Graph API client. Every call resolves to an outcome; none throws for API or network errors. */
export interface GraphApiClient {
  /** No-op kept for the lifecycle shape; sockets open on the first call. */
  start (): Promise<void>
  /** Closes the owned pools, waiting at most `closeTimeoutMs` for in-flight calls. Idempotent. */
  stop (): Promise<void>
  /**
   * `POST /{version}/{phoneNumberId}/messages`. `message` is Meta's message object without
   * `messaging_product`/`to` (or a mark-as-read `{ status: 'read', message_id }`, which ignores `to`).
   */
  sendMessage (phoneNumberId: string, to: string, message: SendableMessage, options: SendOptions): Promise<SendOutcome>
  /** Marks `messageId` (and earlier messages in its thread) read; optionally shows a typing indicator. */
  markAsRead (phoneNumberId: string, messageId: string, options: RequestOptions & { typingIndicator?: boolean }): Promise<SendOutcome>
  /** `POST /{version}/{phoneNumberId}/media` (multipart); resolves to the media id. */
  uploadMedia (phoneNumberId: string, file: MediaUpload, options: RequestOptions): Promise<UploadOutcome>
  /** `GET /{version}/{mediaId}`: a download URL valid for 5 minutes, with type, size and sha256. */
  getMediaUrl (mediaId: string, options: RequestOptions & { phoneNumberId?: string }): Promise<MediaInfoOutcome>
  /** GETs a media URL with the bearer token and buffers the bytes (404 means: fetch a fresh URL). */
  downloadMedia (url: string, options: RequestOptions & { maxBytes?: number }): Promise<DownloadOutcome>
  /** `DELETE /{version}/{mediaId}`. */
  deleteMedia (mediaId: string, options: RequestOptions): Promise<DeleteOutcome>
  /** `GET /{version}/{phoneNumberId}?fields=…` (default display_phone_number,throughput): the number's display number and throughput level. */
  getPhoneNumber (phoneNumberId: string, options: RequestOptions & { fields?: readonly string[] }): Promise<PhoneNumberInfoOutcome>
}

/** Creates a client with one keep-alive undici Pool per origin (bounded by `connections`). */
export function createGraphApiClient (options: GraphApiClientOptions = {}): GraphApiClient {
  const resolved = resolveClientOptions(options)
  const transport = createGraphTransport(resolved)
  const paths = graphPaths(resolved.apiVersion)

  async function sendMessage (phoneNumberId: string, to: string, message: SendableMessage, opts: SendOptions): Promise<SendOutcome> {
    const read = isMarkAsRead(message)
    // The message object is Meta's without these two; drop them if a producer included them anyway.
    const { messaging_product: _product, to: _to, ...fields } = message as Record<string, unknown>
    const payload: Record<string, unknown> = read
      ? { messaging_product: 'whatsapp', ...fields }
      : { messaging_product: 'whatsapp', to, ...fields }
    if (!read && opts.bizOpaqueCallbackData !== undefined) payload.biz_opaque_callback_data = opts.bizOpaqueCallbackData
    const res = await transport.call({
      method: 'POST',
      url: paths.messages(phoneNumberId),
      token: opts.token,
      body: Buffer.from(JSON.stringify(payload)),
      contentType: 'application/json',
      ...(opts.signal ? { signal: opts.signal } : {}),
      attempt: opts.attempt ?? 0,
      isSend: !read
    })
    if (!res.ok) return res
    return parseSendResponse(res, read ? message.message_id : undefined) ?? unexpectedBodyFailure(res.statusCode, res.usage, !read)
  }

  async function uploadMedia (phoneNumberId: string, file: MediaUpload, opts: RequestOptions): Promise<UploadOutcome> {
    const form = encodeMultipart({ messaging_product: 'whatsapp', type: file.mimeType },
      { field: 'file', filename: file.filename ?? 'file', contentType: file.mimeType, data: file.data })
    const res = await transport.call({ method: 'POST', url: paths.media(phoneNumberId), token: opts.token, body: form.body, contentType: form.contentType, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    return parseUploadResponse(res) ?? unexpectedBodyFailure(res.statusCode, res.usage, false)
  }

  async function getMediaUrl (mediaId: string, opts: RequestOptions & { phoneNumberId?: string }): Promise<MediaInfoOutcome> {
    const res = await transport.call({ method: 'GET', url: paths.mediaObject(mediaId, opts.phoneNumberId), token: opts.token, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    return parseMediaInfo(res) ?? unexpectedBodyFailure(res.statusCode, res.usage, false)
  }

  async function downloadMedia (url: string, opts: RequestOptions & { maxBytes?: number }): Promise<DownloadOutcome> {
    const res = await transport.call({ method: 'GET', url, token: opts.token, maxResponseBytes: opts.maxBytes ?? resolved.maxDownloadBytes, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    const type = res.headers['content-type']
    const contentType = Array.isArray(type) ? type[0] : type
    return { ok: true, httpStatus: res.statusCode, usage: res.usage, data: res.body, ...(contentType === undefined ? {} : { contentType }) }
  }

  async function deleteMedia (mediaId: string, opts: RequestOptions): Promise<DeleteOutcome> {
    const res = await transport.call({ method: 'DELETE', url: paths.mediaObject(mediaId), token: opts.token, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    return { ok: true, httpStatus: res.statusCode, usage: res.usage }
  }

  async function getPhoneNumber (phoneNumberId: string, opts: RequestOptions & { fields?: readonly string[] }): Promise<PhoneNumberInfoOutcome> {
    const fields = opts.fields ?? ['display_phone_number', 'throughput']
    const res = await transport.call({ method: 'GET', url: paths.phoneNumber(phoneNumberId, fields), token: opts.token, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    return parsePhoneNumberInfo(res) ?? unexpectedBodyFailure(res.statusCode, res.usage, false)
  }

  return {
    start: async () => {},
    getPhoneNumber,
    stop: () => transport.stop(),
    sendMessage,
    markAsRead: (phoneNumberId, messageId, opts) => sendMessage(phoneNumberId, '', opts.typingIndicator === true
      ? { status: 'read', message_id: messageId, typing_indicator: { type: 'text' } }
      : { status: 'read', message_id: messageId }, opts),
    uploadMedia,
    getMediaUrl,
    downloadMedia,
    deleteMedia
  }
}
