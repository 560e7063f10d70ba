import type { Dispatcher } from 'undici'

/** A complete HTTP response with its body buffered. Header names are lower case. */
export interface RawResponse {
  statusCode: number
  headers: Record<string, string | string[]>
  body: Buffer
  /**
   * Whether the whole request had been written when the answer began. False only when a server
   * answered early, before it could have read (and so acted on) the request.
   */
  requestSent: boolean
}

/** One request for dispatchRequest. */
export interface RawRequest {
  origin: string
  path: string
  method: 'GET' | 'POST' | 'DELETE'
  headers: Record<string, string>
  body?: Buffer
  signal?: AbortSignal
  headersTimeoutMs: number
  bodyTimeoutMs: number
  /** Responses larger than this fail with RESPONSE_TOO_LARGE. */
  maxResponseBytes: number
}

export const TRANSPORT_ERROR_CODES = ['GRAPH_TRANSPORT', 'RESPONSE_TOO_LARGE'] as const
export type TransportErrorCode = typeof TRANSPORT_ERROR_CODES[number]

/** A request that got no complete response; `requestSent` says whether it was fully written first. */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  readonly code: TransportErrorCode
  readonly requestSent: boolean
  /** The underlying error's code, e.g. ECONNREFUSED or UND_ERR_HEADERS_TIMEOUT. */
  readonly networkCode: string

  constructor (code: TransportErrorCode, cause: unknown, requestSent: boolean) {
    const networkCode = errorCode(cause)
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.code = code
    this.requestSent = requestSent
    this.networkCode = networkCode
  }
}

function errorCode (err: unknown): string {
  let e: unknown = err
  // Connection errors can come wrapped (AggregateError for happy-eyeballs, `cause` chains).
  for (let i = 0; i < 4 && e !== null && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') return code
    const nested = (e as { errors?: unknown[], cause?: unknown }).errors?.[0] ?? (e as { cause?: unknown }).cause
    e = nested
  }
  return 'UNKNOWN'
}

function parseRawHeaders (raw: Buffer[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i]!.toString('latin1').toLowerCase()
    const value = raw[i + 1]!.toString('utf8')
    const prev = out[key]
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return out
}

/**
 * Sends one request through an undici dispatcher and buffers the response. Unlike `request()`, it
 * knows whether the request was completely written to the socket before a failure (undici's
 * `onRequestSent` handler hook), which tells "never sent, safe to retry" from "maybe delivered":
 * connect errors (ECONNREFUSED, DNS, UND_ERR_CONNECT_TIMEOUT), an abort or a stopped pool before
 * the write fail with `requestSent: false`; a reset, a close by the other side
 * (UND_ERR_SOCKET), a headers or body timeout or an abort after it fail with `requestSent: true`.
 * undici writes a buffered body synchronously before calling onRequestSent, so a request whose
 * bytes were partly written but not all cannot be acted on by the server and counts as not sent.
 */
export function dispatchRequest (dispatcher: Dispatcher, req: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let sent = false
    let sentBeforeAnswer = false
    let settled = false
    let abortFn: ((err?: Error) => void) | undefined
    let statusCode = 0
    let headers: Record<string, string | string[]> = {}
    const chunks: Buffer[] = []
    let size = 0

    const fail = (code: TransportErrorCode, err: unknown): void => {
      if (settled) return
      settled = true
      req.signal?.removeEventListener('abort', onAbort)
      reject(new TransportError(code, err, sent))
    }
    const onAbort = (): void => {
      const reason = req.signal?.reason instanceof Error ? req.signal.reason : new Error('request aborted')
      abortFn?.(reason)
      fail('GRAPH_TRANSPORT', reason)
    }
    if (req.signal?.aborted) { onAbort(); return }
    req.signal?.addEventListener('abort', onAbort, { once: true })

    // The legacy handler shape is the one that receives onRequestSent (undici 7 keeps it supported).
    const handler: Dispatcher.DispatchHandler & { onRequestSent: () => void } = {
      onConnect (abort) {
        abortFn = abort
        if (settled) abort(new Error('request aborted'))
      },
      onRequestSent () { sent = true },
      onHeaders (status, rawHeaders) {
        if (status < 200) return true
        statusCode = status
        sentBeforeAnswer = sent
        headers = parseRawHeaders(rawHeaders)
        return true
      },
      onData (chunk) {
        size += chunk.length
        if (size > req.maxResponseBytes) {
          // Settle first: aborting calls onError synchronously, which would report a transport error.
          fail('RESPONSE_TOO_LARGE', new Error(`response larger than ${req.maxResponseBytes} bytes`))
          abortFn?.(new Error('response too large'))
          return false
        }
        chunks.push(chunk)
        return true
      },
      onComplete () {
        if (settled) return
        settled = true
        req.signal?.removeEventListener('abort', onAbort)
        resolve({ statusCode, headers, body: Buffer.concat(chunks), requestSent: sentBeforeAnswer })
      },
      onError (err) { fail('GRAPH_TRANSPORT', err) }
    }
    try {
      dispatcher.dispatch({
        origin: req.origin,
        path: req.path,
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        headersTimeout: req.headersTimeoutMs,
        bodyTimeout: req.bodyTimeoutMs
      }, handler)
    } catch (err) {
      fail('GRAPH_TRANSPORT', err)
    }
  })
}
