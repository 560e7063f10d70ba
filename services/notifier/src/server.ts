import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { SilenceRequestError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { silenceRoutes } from './routes/silences.ts'
import type { SilenceStore } from './silences.ts'

export interface ServerOptions {
  logger: Logger
  silences: SilenceStore
  clock: () => number
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the API needs the admin token. */
  host: string
  /** Bearer token of every route but /healthz and /readyz; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The HTTP API (silences, health, /openapi.json); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'NOTIFIER',
    toFailure: (err) => err instanceof SilenceRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
  })
  // Whoever can create a silence can mute every alert: not for anyone who can reach the port.
  // The API's description is no secret: open like the probes.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'NOTIFIER', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'NOTIFIER_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'notifier', isStopping: options.isStopping, checks: options.checks })
  app.register(silenceRoutes, { silences: options.silences, clock: options.clock })
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
