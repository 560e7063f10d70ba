import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { createAdminGuard, healthRoutes, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import { WebhooksError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { subscriptionRoutes } from './routes/subscriptions.ts'
import type { SubscriptionAdmin } from './subscription-admin.ts'

export interface ServerOptions {
  logger: FastifyBaseLogger
  /** Bind address (the admin guard is open without a token only on loopback). */
  host: string
  adminToken: string | undefined
  admin: SubscriptionAdmin
  checks: () => Record<string, HealthCheck>
  isClosing: () => boolean
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The fastify instance with every route; it never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 64 * 1024, return503OnClosing: true })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  // The API's description is no secret: open like the probes.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'WEBHOOKS', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  useErrorBody(app, { prefix: 'WEBHOOKS', toFailure: (err) => err instanceof WebhooksError ? err : undefined })
  app.register(healthRoutes, { service: 'webhooks', isStopping: options.isClosing, checks: options.checks })
  app.register(subscriptionRoutes, { admin: options.admin })
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
