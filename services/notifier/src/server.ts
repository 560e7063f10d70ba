import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { SilenceRequestError } from './errors.ts'
import { silenceRoutes } from './routes/silences.ts'
import type { SilenceStore } from './silences.ts'

export interface ServerOptions {
  logger: Logger
  silences: SilenceStore
  clock: () => number
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
}

/** The HTTP API (silences, health); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Probes arrive every few seconds; their request logs would drown everything else.
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  useErrorBody(app, {
    prefix: 'NOTIFIER',
    toFailure: (err) => err instanceof SilenceRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
  })
  app.register(healthRoutes, { service: 'notifier', isStopping: options.isStopping, checks: options.checks })
  app.register(silenceRoutes, { silences: options.silences, clock: options.clock })
  return app
}
