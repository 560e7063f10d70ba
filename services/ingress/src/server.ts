import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import { IngressError } from './errors.ts'
import type { IngressMetrics } from './metrics.ts'
import { healthRoutes } from './routes/health.ts'
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
  isReady: () => boolean
  /** True once shutdown began: responses then close their connection. */
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

  server.setErrorHandler((err: FastifyError | IngressError, request, reply) => {
    const status = err instanceof IngressError ? err.statusCode : err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    const code = err.code ?? 'INGRESS_INTERNAL'
    const where = { code, method: request.method, route: request.routeOptions.url, statusCode: status }
    // A refusal is the client's doing and Kafka being unavailable is expected now and then (Meta
    // retries): the reason is enough. Unexpected failures get the stack and causes.
    if (status === 500) request.log.error({ ...where, err }, 'request failed')
    else request.log.warn({ ...where, reason: err.message, cause: (err.cause as Error | undefined)?.message }, 'request refused')
    if (status === 503) reply.header('retry-after', String(options.retryAfterS))
    return reply.code(status).send({ code, message: status === 500 ? 'internal error' : err.message })
  })

  server.register(healthRoutes, { isReady: options.isReady })
  server.register(webhookRoutes, options.webhook)
  return server
}
