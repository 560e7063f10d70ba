import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify'
import type { ZodOpenApiPathsObject } from 'zod-openapi'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { ConversationsRequestError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { windowRoutes, type WindowReader } from './routes/windows.ts'

/** A part mounted into the server: its routes (a fastify plugin) and their OpenAPI paths. */
export interface MountedRoutes {
  routes: FastifyPluginAsync
  paths: ZodOpenApiPathsObject
}

export interface ServerOptions {
  logger: Logger
  windows: WindowReader
  clock: () => number
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the API needs the admin token. */
  host: string
  /** Bearer token of /v1/*; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** Other parts' routes (the template catalogue). */
  parts?: MountedRoutes[]
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The HTTP API (windows, health, /openapi.json); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'CONVERSATIONS',
    toFailure: (err) => err instanceof ConversationsRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
  })
  // Who a customer writes to, and when, is not for anyone who can reach the port.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'CONVERSATIONS', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'CONVERSATIONS_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'conversations', isStopping: options.isStopping, checks: options.checks })
  app.register(windowRoutes, { windows: options.windows, clock: options.clock })
  for (const part of options.parts ?? []) app.register(part.routes)
  const paths = Object.assign({}, ...(options.parts ?? []).map((p) => p.paths)) as ZodOpenApiPathsObject
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0', paths }) })
  return app
}
