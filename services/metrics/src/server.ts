import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from '@wabridge/telemetry'
import { MetricsQueryError } from './errors.ts'
import { healthRoutes } from './health.ts'
import type { QueryView } from './query-view.ts'
import { alertRoutes } from './routes/alerts.ts'
import { usageRoutes } from './routes/usage.ts'

export interface ServerOptions {
  logger: Logger
  view: QueryView
  isReady: () => boolean
}

/** The HTTP API; never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof MetricsQueryError) {
      return reply.code(400).send({ error: { code: err.code, message: err.message, parameter: err.parameter ?? null } })
    }
    const status = (err as { statusCode?: number }).statusCode
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: { code: 'METRICS_BAD_REQUEST', message: (err as Error).message, parameter: null } })
    }
    req.log.error({ err }, 'request failed')
    return reply.code(500).send({ error: { code: 'METRICS_INTERNAL', message: 'internal error', parameter: null } })
  })
  app.register(healthRoutes, { isReady: options.isReady })
  app.register(usageRoutes, { view: options.view })
  app.register(alertRoutes, { view: options.view })
  return app
}
