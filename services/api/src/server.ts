import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify'
import type { Meter } from '@opentelemetry/api'
import { errorBody, healthRoutes, openApiRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'
import { ApiError } from './errors.ts'
import { messageRoutes, type MessageRoutesOptions } from './routes/messages.ts'

export interface ServerOptions {
  logger: FastifyBaseLogger
  /** Largest body accepted, bytes (413 beyond). */
  maxBodyBytes: number
  /** Retry-After of 503 answers, seconds. */
  retryAfterS: number
  messages: MessageRoutesOptions
  openApiDocument: object
  /** What /readyz depends on. */
  checks: () => Record<string, HealthCheck>
  /** True once shutdown began. */
  isClosing: () => boolean
  /** Where the request metrics go (wabridge.http.*); default the global meter provider's. */
  meter?: Meter | undefined
}

/** The fastify instance with every route; it never listens (app.ts does). */
export function buildServer (options: ServerOptions): FastifyInstance {
  const server = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.maxBodyBytes,
    return503OnClosing: true,
    // Longer than the longest request_id (128), so a longer one reaches the route and gets its 400.
    routerOptions: { maxParamLength: 512 },
    // The router's own refusals (a malformed percent-encoding, a parameter over maxParamLength)
    // bypass the error handler: they get the shared error body here.
    frameworkErrors: (err, _request, reply) => {
      const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      void (reply as FastifyReply).code(statusCode).send(errorBody(statusCode === 414 ? 'API_URI_TOO_LONG' : 'API_BAD_REQUEST', err.message))
    },
    // onResponse logs instead, without headers (Authorization carries the key).
    logController: new LogController({ disableRequestLogging: true })
  })
  // JSON only: a text/plain body would reach the validation as a string (400); it is 415 instead.
  server.removeContentTypeParser('text/plain')
  server.addHook('onSend', (_request, reply, payload, done) => {
    if (options.isClosing()) reply.header('connection', 'close')
    done(null, payload)
  })
  server.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, route: request.routeOptions.url, statusCode: reply.statusCode, durationMs: reply.elapsedTime }, 'request done')
  })
  recordHttpRequests(server, options.meter)

  useErrorBody(server, {
    prefix: 'API',
    toFailure: (err) => err instanceof ApiError ? err : undefined,
    onAnswer: ({ statusCode, err }, _request, reply) => {
      const seconds = err instanceof ApiError ? err.retryAfterS : undefined
      if (statusCode === 429 || statusCode === 503) reply.header('retry-after', String(seconds ?? options.retryAfterS))
    }
  })

  server.register(healthRoutes, { service: 'api', isStopping: options.isClosing, checks: options.checks })
  server.register(openApiRoutes, { document: options.openApiDocument })
  server.register(messageRoutes, options.messages)
  return server
}
