import { encodeMultipart } from './encode-multipart.ts'
import { graphPaths } from './graph-paths.ts'
import { createGraphTransport } from './graph-transport.ts'
import { isMarkAsRead, type SendableMessage } from './messages/message-types.ts'
import { resolveClientOptions, type GraphApiClientOptions } from './options.ts'
import { normalizeTemplateLanguage, type MessageTemplate } from './message-templates.ts'
import type {
  DeleteOutcome, DownloadOutcome, MediaInfoOutcome, MessagingLimitOutcome, PhoneNumberInfoOutcome, SendOutcome, TemplateListOutcome, UploadOutcome
} from './outcome.ts'
import { parseMediaInfo, parseMessagingLimitInfo, parsePhoneNumberInfo, parseSendResponse, parseTemplatePage, parseUploadResponse } from './parse-responses.ts'
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

/** Filters and paging of listTemplates. */
export interface ListTemplatesOptions {
  /** Only this template name (Meta's filter may match more; the client keeps exact matches). */
  name?: string
  /** Only this language, e.g. en_US (`en-US` is the same; filtered by the client). */
  language?: string
  /** Meta's `status` filter, e.g. APPROVED. */
  status?: string
  /** Meta's `category` filter: MARKETING, UTILITY or AUTHENTICATION. */
  category?: string
  /** Fields to ask for; default name,language,status,category,components (id always comes). */
  fields?: readonly string[]
  /** Page size (`limit`). Default 100. */
  pageSize?: number
  /** Most pages followed (`after` cursors) before giving up with what was read. Default 50. */
  maxPages?: number
  signal?: AbortSignal
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
  /**
   * `GET /{version}/{wabaId}/message_templates`, following the `after` cursor of every page: name,
   * language, status, category and components of each template (sub category and parameter format when set).
   */
  listTemplates (wabaId: string, token: string, options?: ListTemplatesOptions): Promise<TemplateListOutcome>
  /**
   * `GET /{version}/{nodeId}?fields=whatsapp_business_manager_messaging_limit` for a phone number,
   * WABA or business portfolio id: the portfolio's tier and its unique-user limit per 24 h.
   */
  messagingLimit (nodeId: string, token: string, options?: { signal?: AbortSignal }): Promise<MessagingLimitOutcome>
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

  async function listTemplates (wabaId: string, token: string, opts: ListTemplatesOptions = {}): Promise<TemplateListOutcome> {
    const query: Record<string, string> = {
      fields: (opts.fields ?? ['name', 'language', 'status', 'category', 'components']).join(','),
      limit: String(opts.pageSize ?? 100)
    }
    if (opts.name !== undefined) query.name = opts.name
    if (opts.status !== undefined) query.status = opts.status
    if (opts.category !== undefined) query.category = opts.category
    const templates: MessageTemplate[] = []
    let last: { httpStatus: number, usage: TemplateListOutcome['usage'] } | undefined
    let after: string | undefined
    for (let page = 0; page < (opts.maxPages ?? 50); page++) {
      const res = await transport.call({ method: 'GET', url: paths.messageTemplates(wabaId, after === undefined ? query : { ...query, after }), token, ...(opts.signal ? { signal: opts.signal } : {}) })
      if (!res.ok) return res
      const parsed = parseTemplatePage(res)
      if (!parsed) return unexpectedBodyFailure(res.statusCode, res.usage, false)
      templates.push(...parsed.templates)
      last = { httpStatus: res.statusCode, usage: res.usage }
      after = parsed.after
      if (after === undefined) break
    }
    const language = opts.language === undefined ? undefined : normalizeTemplateLanguage(opts.language)
    const kept = templates.filter((t) => (opts.name === undefined || t.name === opts.name) && (language === undefined || normalizeTemplateLanguage(t.language) === language))
    return { ok: true, httpStatus: last?.httpStatus ?? 200, usage: last?.usage ?? { businessUseCaseUsage: [], maxPercent: 0 }, templates: kept }
  }

  async function messagingLimit (nodeId: string, token: string, opts: { signal?: AbortSignal } = {}): Promise<MessagingLimitOutcome> {
    const res = await transport.call({ method: 'GET', url: paths.phoneNumber(nodeId, ['whatsapp_business_manager_messaging_limit']), token, ...(opts.signal ? { signal: opts.signal } : {}) })
    if (!res.ok) return res
    return parseMessagingLimitInfo(res) ?? unexpectedBodyFailure(res.statusCode, res.usage, false)
  }

  return {
    start: async () => {},
    listTemplates,
    messagingLimit,
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
