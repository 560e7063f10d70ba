import type { Dispatcher } from 'undici'

/**
 * The Graph API version used by default. v23.0 is the version of Meta's published OpenAPI spec, is
 * supported until Oct 8, 2027, and still carries `conversation` in status webhooks (v24 drops it).
 */
export const DEFAULT_API_VERSION = 'v23.0'

/** Options of createGraphApiClient; every duration is in milliseconds. */
export interface GraphApiClientOptions {
  /** Origin (and optional path prefix) of the Graph API. Default 'https://graph.facebook.com'. */
  baseUrl?: string
  /** Path version segment, e.g. 'v23.0'. Default DEFAULT_API_VERSION. */
  apiVersion?: string
  /** Maximum sockets to the Graph API origin (keep-alive, no pipelining). Default 128. */
  connections?: number
  /** TCP + TLS connect timeout. Default 5,000. */
  connectTimeoutMs?: number
  /** Time allowed from sending the request to the response headers. Default 30,000. */
  headersTimeoutMs?: number
  /** Maximum idle time between response body chunks. Default 30,000. */
  bodyTimeoutMs?: number
  /** How long an idle keep-alive socket is kept. Default 30,000 (undici may lower it from the server's hint). */
  keepAliveTimeoutMs?: number
  /** Largest API (JSON) response accepted. Default 1 MiB. */
  maxResponseBytes?: number
  /** Largest media download accepted. Default 101 MiB (documents may be 100 MB). */
  maxDownloadBytes?: number
  /** How long stop() waits for in-flight requests before destroying sockets. Default 5,000. */
  closeTimeoutMs?: number
  /** Use this undici dispatcher (e.g. a MockAgent) instead of owned pools; stop() leaves it open. */
  dispatcher?: Dispatcher
  /** Sent as the User-Agent header of every call (e.g. to name the sending instance). Default: none. */
  userAgent?: string
}

export type ResolvedClientOptions = Required<Omit<GraphApiClientOptions, 'dispatcher' | 'userAgent'>> & { dispatcher?: Dispatcher, userAgent?: string }

/** Fills in defaults. */
export function resolveClientOptions (options: GraphApiClientOptions): ResolvedClientOptions {
  return {
    baseUrl: options.baseUrl ?? 'https://graph.facebook.com',
    apiVersion: options.apiVersion ?? DEFAULT_API_VERSION,
    connections: options.connections ?? 128,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    headersTimeoutMs: options.headersTimeoutMs ?? 30_000,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 30_000,
    maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
    maxDownloadBytes: options.maxDownloadBytes ?? 101 * 1024 * 1024,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent })
  }
}
