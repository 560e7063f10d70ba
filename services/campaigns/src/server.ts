import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { suppressionRoutes, toSuppressionFailure, type SuppressionStore } from '@wabridge/outreach'
import { createAdminGuard, healthRoutes, isLoopbackHost, OPEN_PATHS, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import type { Logger } from '@wabridge/telemetry'
import { CampaignRequestError } from './errors.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { campaignRoutes, type CampaignRoutesOptions } from './routes/campaigns.ts'

export interface ServerOptions {
  logger: Logger
  campaigns: CampaignRoutesOptions
  suppressions: SuppressionStore | undefined
  wabaOf: (phoneNumberId: string) => string | undefined
  clock: () => number
  checks: () => Record<string, HealthCheck>
  isStopping: () => boolean
  /** The address the server binds to: off loopback, the API needs the admin token. */
  host: string
  /** Bearer token of every route but /healthz, /readyz and /openapi.json; undefined = open on loopback, 403 off it. */
  adminToken: string | undefined
  /** info.version of /openapi.json; default the package's version. */
  version?: string
}

/** The HTTP API (campaigns, suppressions, health, /openapi.json); never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: 16 * 1024 * 1024,
    logController: new LogController({ disableRequestLogging: (req) => req.url.startsWith('/healthz') || req.url.startsWith('/readyz') })
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, {
    prefix: 'CAMPAIGNS',
    toFailure: (err) => err instanceof CampaignRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : toSuppressionFailure(err)
  })
  // Whoever can start a campaign can message thousands of people: not for anyone who can reach the port.
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.adminToken, prefix: 'CAMPAIGNS', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  if (options.adminToken === undefined && !isLoopbackHost(options.host)) {
    options.logger.warn({ host: options.host }, 'CAMPAIGNS_ADMIN_TOKEN is not set and the server is not bound to loopback: /v1/* answer 403 until it is')
  }
  app.register(healthRoutes, { service: 'campaigns', isStopping: options.isStopping, checks: options.checks })
  app.register(campaignRoutes, options.campaigns)
  if (options.suppressions) {
    const store = options.suppressions
    app.register(async (scope) => suppressionRoutes(scope, { store, clock: options.clock, wabaOf: options.wabaOf }))
  }
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  return app
}
