import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'
import { IngressError } from './errors.ts'
import type { IngressMetrics } from './metrics.ts'
import { webhookRoutes, type WebhookRoutesOptions } from './routes/webhooks.ts'

export interface ServerOptions {
  logger: FastifyBaseLogger
  /** Largest body accepted, bytes (413 beyond). */
  maxBodyBytes: number
  /** Retry-After of 503 answers, seconds. */
  retryAfterS: number
  trustProxy: boolean
  metrics: IngressMetrics
  webhook: WebhookRoutesOptions
  /** What /readyz depends on (see routes/health.ts). */
  checks: () => Record<string, HealthCheck>
  /** True once shutdown began: /readyz says stopping, responses close their connection. */
  isClosing: () => boolean
}

/** The fastify instance with every route; it never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const server = Fastify({
    loggerInstance: options.logger,
    // fastify's own request lines would log URLs, and so GET /webhook's verify token; onResponse logs instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.maxBodyBytes,
    trustProxy: options.trustProxy,
    return503OnClosing: true
  })

  // The signature covers the exact bytes, so every body is kept as a Buffer and parsed only
  // after it was verified, whatever its Content-Type says.
  server.removeAllContentTypeParsers()
  server.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_request, body, done) => { done(null, body) })

  // close() waits for every connection, and a keep-alive connection whose request was in flight
  // when shutdown began would otherwise stay open until it idles out.
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (options.isClosing()) reply.header('connection', 'close')
    done(null, payload)
  })
  server.addHook('onResponse', async (request, reply) => {
    const durationMs = reply.elapsedTime
    if (request.routeOptions.url === '/webhook') options.metrics.request(request.method, reply.statusCode, durationMs)
    request.log.debug({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, durationMs }, 'request done')
  })

  // One error body for every API ({ error: { code, message } }); 503 (Kafka did not take the records) tells Meta when to retry.
  useErrorBody(server, {
    prefix: 'INGRESS',
    toFailure: (err) => err instanceof IngressError ? err : undefined,
    onAnswer: ({ statusCode }, _request, reply) => { if (statusCode === 503) reply.header('retry-after', String(options.retryAfterS)) }
  })

  server.register(healthRoutes, { service: 'ingress', isStopping: options.isClosing, checks: options.checks })
  server.register(webhookRoutes, options.webhook)
  return server
}
