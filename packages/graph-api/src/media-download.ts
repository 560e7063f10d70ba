import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { request, type Dispatcher } from 'undici'

/** Where a bearer token may be sent: hosts (optionally host:port, or *.domain) and whether plain http is allowed. */
export interface MediaHostPolicy {
  allowedHosts: readonly string[]
  /** Allow http:// (tests and the local simulator only). Default false. */
  allowInsecureHttp?: boolean
}

/** Why a media URL may not receive the token; undefined when it may. */
export function mediaUrlProblem (url: string, policy: MediaHostPolicy): string | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return `not a URL: ${url.slice(0, 200)}`
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && policy.allowInsecureHttp === true)) return `${u.protocol}// is not allowed (https only) for ${u.host}`
  const host = u.hostname.toLowerCase()
  const hostPort = u.host.toLowerCase()
  const allowed = policy.allowedHosts.some((entry) => {
    const e = entry.trim().toLowerCase()
    if (e.startsWith('*.')) return host.endsWith(e.slice(1))
    return e.includes(':') && !e.startsWith('[') ? e === hostPort : e === host
  })
  return allowed ? undefined : `host ${u.host} is not on the media allow-list`
}

/** The body grew past the byte cap while streaming. */
export class MediaTooLargeError extends Error {
  readonly code = 'MEDIA_TOO_LARGE'
  readonly maxBytes: number
  constructor (maxBytes: number) {
    super(`the download exceeds ${maxBytes} bytes`)
    this.name = 'MediaTooLargeError'
    this.maxBytes = maxBytes
  }
}

/** Passes bytes through until more than `maxBytes` went by, then fails with MediaTooLargeError. */
export class ByteCap extends Transform {
  bytes = 0
  readonly maxBytes: number
  constructor (maxBytes: number) {
    super()
    this.maxBytes = maxBytes
  }

  override _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) callback(new MediaTooLargeError(this.maxBytes))
    else callback(null, chunk)
  }
}

export interface MediaDownloadOptions extends MediaHostPolicy {
  token: string
  /** The body is cut (MediaTooLargeError) past this many bytes; a larger Content-Length is refused before reading. */
  maxBytes: number
  /** Time to the response headers and between body chunks, ms. Default 60000. */
  timeoutMs?: number
  signal?: AbortSignal
  dispatcher?: Dispatcher
}

/** An opened download: its body streams (capped), or why it did not start. */
export type MediaDownload =
  | { ok: true, status: number, body: Readable, contentType: string | undefined, contentLength: number | undefined }
  | { ok: false, reason: 'host_not_allowed' | 'link_expired' | 'too_large' | 'redirected' | 'http_error', status?: number, message: string }

/**
 * GETs a media URL with the bearer token, only to an allowed host over https (see mediaUrlProblem),
 * never following a redirect (the token must not travel on). 404, 403 and 410 mean the link expired:
 * fetch a fresh URL with GET /{media-id}. Network errors reject.
 */
export async function openMediaDownload (url: string, options: MediaDownloadOptions): Promise<MediaDownload> {
  const problem = mediaUrlProblem(url, options)
  if (problem !== undefined) return { ok: false, reason: 'host_not_allowed', message: problem }
  const timeout = options.timeoutMs ?? 60_000
  const res = await request(url, {
    method: 'GET',
    headers: { authorization: `Bearer ${options.token}` },
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher })
  })
  const header = (name: string): string | undefined => {
    const v = res.headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const fail = (reason: 'link_expired' | 'redirected' | 'http_error' | 'too_large', message: string): MediaDownload => {
    res.body.resume()
    return { ok: false, reason, status: res.statusCode, message }
  }
  if (res.statusCode >= 300 && res.statusCode < 400) return fail('redirected', `the media host answered ${res.statusCode} to ${header('location') ?? '?'}; redirects are not followed with the token`)
  if (res.statusCode === 404 || res.statusCode === 403 || res.statusCode === 410) return fail('link_expired', `the media URL answered ${res.statusCode} (expired)`)
  if (res.statusCode !== 200) return fail('http_error', `the media URL answered ${res.statusCode}`)
  const length = header('content-length') === undefined ? undefined : Number(header('content-length'))
  if (length !== undefined && length > options.maxBytes) return fail('too_large', `Content-Length ${length} exceeds ${options.maxBytes} bytes`)
  const cap = new ByteCap(options.maxBytes)
  res.body.on('error', (err) => cap.destroy(err))
  return { ok: true, status: res.statusCode, body: res.body.pipe(cap), contentType: header('content-type'), contentLength: length }
}
