import { trace } from '@opentelemetry/api'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'
import { answerClientError } from './client-error.ts'
import { IngressError } from './errors.ts'
import { LazyChildLogger } from './lazy-child-logger.ts'
import type { IngressMetrics } from './metrics.ts'
import { redactedQueryOf } from './redact-query.ts'
import { webhookRoutes, type WebhookRoutesOptions } from './routes/webhooks.ts'

export interface ServerOptions {
  logger: FastifyBaseLogger
  /** Largest body accepted, bytes (413 beyond). */
  maxBodyBytes: number
  /** Retry-After of 503 answers, seconds. */
  retryAfterS: number
  trustProxy: boolean
  /** Limits against slow clients (slowloris) and too many connections. */
  connections: ConnectionLimits
  metrics: IngressMetrics
  webhook: WebhookRoutesOptions
  /** What /readyz depends on (see routes/health.ts). */
  checks: () => Record<string, HealthCheck>
  /** True once shutdown began: /readyz says stopping, responses close their connection. */
  isClosing: () => boolean
}

export interface ConnectionLimits {
  /** Longest wait for a request's headers, ms (then 408 and close). */
  headersTimeoutMs: number
  /** Longest wait for a whole request, headers and body, ms (then 408 and close). */
  requestTimeoutMs: number
  /** How long an idle keep-alive connection stays open, ms. */
  keepAliveTimeoutMs: number
  /** Most open connections; new ones beyond are closed at once. */
  maxConnections: number
}

/** The fastify instance with every route; it never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const limits = options.connections
  const server = Fastify({
    loggerInstance: options.logger,
    // fastify's own request lines would log URLs, and so GET /webhook's verify token; onResponse logs instead.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is made only when a request logs something (lazy-child-logger.ts).
    childLoggerFactory: (logger, bindings, childOptions) => new LazyChildLogger(logger, bindings, childOptions),
    bodyLimit: options.maxBodyBytes,
    trustProxy: options.trustProxy,
    return503OnClosing: true,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // Node looks for expired requests only this often (default 30 s): a quarter of the shorter timeout
      // cuts a trickling client off within 1.25 × its timeout.
      connectionsCheckingInterval: Math.max(25, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))
    },
    clientErrorHandler: answerClientError
  })
  server.server.maxConnections = limits.maxConnections

  // The signature covers the exact bytes, so the body is kept as a Buffer and parsed only after it
  // was verified. Meta sends application/json; anything else is refused with 415 before it is read.
  server.removeAllContentTypeParsers()
  server.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: options.maxBodyBytes }, (_request, body, done) => { done(null, body) })

  // The HTTP instrumentation records the query string as url.query; GET /webhook's carries the
  // verify token. Its span is the active one while fastify runs the request.
  server.addHook('onRequest', (request, _reply, done) => {
    const query = redactedQueryOf(request.url)
    if (query !== undefined) trace.getActiveSpan()?.setAttribute('url.query', query)
    done()
  })

  // close() waits for every connection, and a keep-alive connection whose request was in flight
  // when shutdown began would otherwise stay open until it idles out.
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (options.isClosing()) reply.header('connection', 'close')
    done(null, payload)
  })
  // A callback hook, not an async one: no promise per request.
  server.addHook('onResponse', (request, reply, done) => {
    const durationMs = reply.elapsedTime
    if (request.routeOptions.url === '/webhook') options.metrics.request(request.method, reply.statusCode, durationMs)
    request.log.debug({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, durationMs }, 'request done')
    done()
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
