import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { ScheduledRequestError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { scheduledRoutes } from './routes/scheduled.ts'
import type { ScheduledApi } from './scheduled-api.ts'

export interface ServerOptions {
  logger: Logger
  api: ScheduledApi
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the API needs the admin token. */
  host: string
  /** Bearer token of /v1/*; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The HTTP API (scheduled requests, health, /openapi.json); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'SCHEDULER',
    toFailure: (err) => err instanceof ScheduledRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
  })
  // Whoever can cancel can stop any scheduled message: not for anyone who can reach the port.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'SCHEDULER', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'SCHEDULER_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'scheduler', isStopping: options.isStopping, checks: options.checks })
  app.register(scheduledRoutes, { api: options.api })
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
