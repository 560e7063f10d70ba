import { Pool, type Dispatcher } from 'undici'
import { dispatchRequest, TransportError } from './dispatch-request.ts'
import type { ResolvedClientOptions } from './options.ts'
import type { GraphFailure } from './outcome.ts'
import { responseFailure, transportFailure } from './to-graph-failure.ts'
import { parseUsageHeaders, type GraphUsage } from './usage-headers.ts'

/** One call: `url` is absolute (downloads) or a path under the base URL. */
export interface GraphCall {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  token: string
  body?: Buffer
  contentType?: string
  signal?: AbortSignal
  attempt?: number
  maxResponseBytes?: number
  /** A message send: its failures are classified as sends (an unreadable answer is ambiguous). */
  isSend?: boolean
}

/** A 2xx response, body still raw. */
export interface GraphResponse {
  ok: true
  statusCode: number
  headers: Record<string, string | string[]>
  body: Buffer
  usage: GraphUsage
}

/** The HTTP layer of the client: one keep-alive Pool per origin, bounded close. */
export interface GraphTransport {
  call (call: GraphCall): Promise<GraphResponse | GraphFailure>
  stop (): Promise<void>
}

async function closeBounded (pool: Dispatcher, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs) })
  try {
    const result = await Promise.race([pool.close().then(() => 'closed' as const), deadline])
    if (result === 'timeout') await pool.destroy()
  } finally {
    clearTimeout(timer)
  }
}

/** A path the URL parser would leave as it is: slash-separated letters, digits, `_`, `-` and `.` segments. */
const SIMPLE_PATH = /^(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$/

/** Creates the transport; sockets open lazily on the first call. */
export function createGraphTransport (options: ResolvedClientOptions): GraphTransport {
  const base = new URL(options.baseUrl)
  const basePrefix = base.pathname.replace(/\/+$/, '')
  const pools = new Map<string, Pool>()
  let stopped = false

  function dispatcherFor (origin: string): Dispatcher {
    if (options.dispatcher) return options.dispatcher
    let pool = pools.get(origin)
    if (!pool) {
      pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        connectTimeout: options.connectTimeoutMs,
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs
      })
      pools.set(origin, pool)
    }
    return pool
  }

  async function call (c: GraphCall): Promise<GraphResponse | GraphFailure> {
    // A stopped client must not reopen sockets; the call was never sent, so it is safe to retry elsewhere.
    const isSend = c.isSend ?? false
    if (stopped) return transportFailure(new TransportError('GRAPH_TRANSPORT', Object.assign(new Error('client stopped'), { code: 'UND_ERR_CLOSED' }), false), isSend)
    // Paths of plain ids and words (every send) skip the URL parser; anything else goes through it.
    const target = SIMPLE_PATH.test(c.url) ? { origin: base.origin, pathname: basePrefix + c.url, search: '' } : /^https?:\/\//.test(c.url) ? new URL(c.url) : new URL(basePrefix + c.url, base.origin)
    const headers: Record<string, string> = { authorization: `Bearer ${c.token}`, accept: 'application/json' }
    if (c.contentType !== undefined) headers['content-type'] = c.contentType
    if (options.userAgent !== undefined) headers['user-agent'] = options.userAgent
    try {
      const res = await dispatchRequest(dispatcherFor(target.origin), {
        origin: target.origin,
        path: target.pathname + target.search,
        method: c.method,
        headers,
        ...(c.body === undefined ? {} : { body: c.body }),
        ...(c.signal === undefined ? {} : { signal: c.signal }),
        headersTimeoutMs: options.headersTimeoutMs,
        bodyTimeoutMs: options.bodyTimeoutMs,
        maxResponseBytes: c.maxResponseBytes ?? options.maxResponseBytes
      })
      if (res.statusCode < 200 || res.statusCode > 299) return responseFailure(res, c.attempt ?? 0)
      return { ok: true, statusCode: res.statusCode, headers: res.headers, body: res.body, usage: parseUsageHeaders(res.headers) }
    } catch (err) {
      if (err instanceof TransportError) return transportFailure(err, isSend)
      throw err
    }
  }

  async function stop (): Promise<void> {
    if (stopped) return
    stopped = true
    await Promise.all([...pools.values()].map((p) => closeBounded(p, options.closeTimeoutMs)))
  }

  return { call, stop }
}
