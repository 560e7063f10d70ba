import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { MetricsQueryError } from './errors.ts'
import type { QueryView } from './query-view.ts'
import { alertRoutes } from './routes/alerts.ts'
import { usageRoutes } from './routes/usage.ts'

export interface ServerOptions {
  logger: Logger
  view: QueryView
  /** What /readyz depends on (see health.ts). */
  checks: () => Record<string, HealthCheck>
  /** True once shutdown began: /readyz says stopping. */
  isStopping: () => boolean
}

/** The HTTP API; never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  useErrorBody(app, {
    prefix: 'METRICS',
    toFailure: (err) => err instanceof MetricsQueryError ? { statusCode: 400, code: err.code, message: err.message, details: { parameter: err.parameter ?? null } } : undefined
  })
  app.register(healthRoutes, { service: 'metrics', isStopping: options.isStopping, checks: options.checks })
  app.register(usageRoutes, { view: options.view })
  app.register(alertRoutes, { view: options.view })
  return app
}
