import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { MetricsQueryError } from '../errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import type { QueryView } from './query-view.ts'
import type { UsagePricing } from '../pricing/usage-pricing.ts'
import { alertRoutes } from './routes/alerts.ts'
import { usageRoutes } from './routes/usage.ts'

export interface ServerOptions {
  logger: Logger
  view: QueryView
  /** What /readyz depends on (see health.ts). */
  checks: () => Record<string, HealthCheck>
  /** True once shutdown began: /readyz says stopping. */
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the query API needs the admin token. */
  host: string
  /** Bearer token of every route but /healthz, /readyz and /openapi.json; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** Rate cards and portfolios of the usage API's costs; default the example card (src/pricing/usage-pricing.ts). */
  pricing?: UsagePricing
  /** info.version of /openapi.json; default 0.1.0. */
  version?: string
}

/** The HTTP API; never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'METRICS',
    toFailure: (err) => err instanceof MetricsQueryError ? { statusCode: 400, code: err.code, message: err.message, details: { parameter: err.parameter ?? null } } : undefined
  })
  // Usage and alerts tell who messages whom and how much: not for anyone who can reach the port.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'METRICS', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'METRICS_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'metrics', isStopping: options.isStopping, checks: options.checks })
  app.register(usageRoutes, { view: options.view, pricing: options.pricing })
  app.register(alertRoutes, { view: options.view })
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
