import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { InboundMedia } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { MediaRequestError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { mediaRoutes } from './routes/media.ts'

export interface ServerOptions {
  logger: Logger
  lookup: (mediaId: string) => InboundMedia | undefined
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the API needs the admin token. */
  host: string
  /** Bearer token of /v1/*; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The HTTP API (media records, health, /openapi.json); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'MEDIA',
    toFailure: (err) => err instanceof MediaRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
  })
  // Records name customers and storage URIs: not for anyone who can reach the port.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'MEDIA', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'MEDIA_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'media', isStopping: options.isStopping, checks: options.checks })
  app.register(mediaRoutes, { lookup: options.lookup })
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
