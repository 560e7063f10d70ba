import { createHash, timingSafeEqual } from 'node:crypto'
import { BlockList, isIP } from 'node:net'
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { errorBody } from './http-errors.ts'

// 127.0.0.0/8 and ::1; BlockList also matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against the IPv4 rule.
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** The paths a guard applied to a whole server leaves open: probes and scrapes carry no token. */
export const OPEN_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics']

/**
 * True when `host` (a server's bind address) only accepts local connections: `localhost`, an address
 * of 127.0.0.0/8 or `::1` (also written `[::1]` or `::ffff:127.x.x.x`). `0.0.0.0`, `::` and every
 * other address or name are not.
 */
export function isLoopbackHost (host: string): boolean {
  const bare = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (bare === 'localhost') return true
  const family = isIP(bare)
  if (family === 0) return false
  return LOOPBACK.check(bare, family === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The config problem of a service bound to `host` with admin token `token`, or undefined when there
 * is none: a service bound off loopback must have a token. For a zod `superRefine` of the service's
 * config (its `<SERVICE>_ADMIN_TOKEN` variable), so that such a service refuses to start.
 */
export function adminTokenProblem (host: string, token: string | undefined): string | undefined {
  if (token !== undefined && token.length === 0) return 'must not be empty'
  if (token === undefined && !isLoopbackHost(host)) return `is required when the server is bound to ${host}, which is not loopback (127.0.0.0/8, ::1, localhost)`
  return undefined
}

export interface AdminGuardOptions {
  /** The address the server binds to (e.g. "127.0.0.1", "0.0.0.0"). */
  host: string
  /** The admin token; undefined = none configured. */
  token: string | undefined
  /** Code prefix of the refusals: `${prefix}_UNAUTHORIZED`, `${prefix}_ADMIN_TOKEN_MISSING`. */
  prefix: string
  /** Exact paths (no query) answered without a token. Default OPEN_PATHS; `[]` when the hook is scoped to admin routes only. */
  openPaths?: readonly string[]
}

/** SHA-256 first, so that timingSafeEqual compares equal lengths and the token's length does not leak. */
function digest (value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
function bearerOf (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null
  return match?.[1]
}

/**
 * A fastify onRequest hook that guards admin routes with a bearer token:
 * - a token is configured: every guarded request needs `Authorization: Bearer <token>` (compared in
 *   constant time), whatever the bind address, else 401 with the shared error body and
 *   `WWW-Authenticate: Bearer`;
 * - no token, bound to loopback: open (local development; only local processes can connect);
 * - no token, bound off loopback: 403 `${prefix}_ADMIN_TOKEN_MISSING` (fail closed). Services
 *   should not get there: their config refuses to start (adminTokenProblem).
 *
 * Apply it to a whole server (`app.addHook('onRequest', createAdminGuard({ … }))`: OPEN_PATHS stay
 * open, unknown routes answer 401 before 404) or inside a plugin that holds only the admin routes
 * (`openPaths: []`).
 */
export function createAdminGuard (options: AdminGuardOptions): onRequestAsyncHookHandler {
  const open = new Set(options.openPaths ?? OPEN_PATHS)
  const expected = options.token === undefined ? undefined : digest(options.token)
  const isOpenWithoutToken = expected === undefined && isLoopbackHost(options.host)
  return async function adminGuard (request: FastifyRequest, reply: FastifyReply) {
    if (isOpenWithoutToken || open.has(request.url.split('?')[0]!)) return
    if (expected === undefined) {
      return reply.code(403).send(errorBody(`${options.prefix}_ADMIN_TOKEN_MISSING`, 'admin routes are disabled: the server is bound off loopback and no admin token is configured'))
    }
    const given = bearerOf(request)
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return
    request.log.warn({ method: request.method, url: request.url.split('?')[0], hasToken: given !== undefined }, 'admin request refused')
    return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody(`${options.prefix}_UNAUTHORIZED`, given === undefined ? 'admin token required: Authorization: Bearer <token>' : 'invalid admin token'))
  }
}
