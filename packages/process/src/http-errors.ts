import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * The one error body of every wabridge HTTP API (the simulator's Graph API routes excepted: they
 * imitate Meta's own envelope): `{ "error": { "code": "INGRESS_SIGNATURE_INVALID", "message": "…", … } }`.
 * `code` is an upper snake case constant clients may branch on; extra fields (e.g. `parameter`,
 * `issues`) sit next to it.
 */
export interface ErrorBody {
  error: { code: string, message: string, [field: string]: unknown }
}

/** Builds an error body. */
export function errorBody (code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { ...details, code, message } }
}

/** An error an API answers with its own status and code (a part's error classes have these fields). */
export interface HttpFailure {
  readonly statusCode: number
  readonly code: string
  readonly message: string
  /** Extra fields of the body. */
  readonly details?: Record<string, unknown>
}

export interface ErrorHandlerOptions {
  /** Prefix of the generic codes: `${prefix}_BAD_REQUEST`, `_NOT_FOUND`, `_PAYLOAD_TOO_LARGE`, `_INTERNAL`… */
  prefix: string
  /** Turns a part's own error into its answer (status, code, details); undefined = not one of ours. */
  toFailure?: (err: Error) => HttpFailure | undefined
  /** Called before an answer is sent, e.g. to add Retry-After to 503s or count the refusal. */
  onAnswer?: (answer: { statusCode: number, code: string, err: Error }, request: FastifyRequest, reply: FastifyReply) => void
}

/** The code fastify's own 4xx errors get, by status. */
const GENERIC: Record<number, string> = {
  400: 'BAD_REQUEST', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 406: 'NOT_ACCEPTABLE', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'TOO_MANY_REQUESTS'
}

/** The status and body an error is answered with. Unexpected errors are 500 and say no more than "internal error". */
export function toErrorAnswer (err: Error, options: Pick<ErrorHandlerOptions, 'prefix' | 'toFailure'>): { statusCode: number, body: ErrorBody } {
  const own = options.toFailure?.(err)
  if (own) return { statusCode: own.statusCode, body: errorBody(own.code, own.message, own.details) }
  const fastifyError = err as Partial<FastifyError>
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    const issues = fastifyError.validation?.map((v) => ({ path: v.instancePath, message: v.message ?? '' }))
    return { statusCode: status, body: errorBody(`${options.prefix}_${GENERIC[status] ?? 'BAD_REQUEST'}`, err.message, issues ? { issues } : {}) }
  }
  return { statusCode: 500, body: errorBody(`${options.prefix}_INTERNAL`, 'internal error') }
}

/**
 * Installs the error and not-found handlers that answer with ErrorBody. Unexpected errors (500)
 * are logged with their stack; refusals (4xx, 503) at warn with their reason only.
 */
export function useErrorBody (app: FastifyInstance, options: ErrorHandlerOptions): void {
  app.setErrorHandler((err: Error, request, reply) => {
    const { statusCode, body } = toErrorAnswer(err, options)
    const where = { code: body.error.code, method: request.method, route: request.routeOptions.url, statusCode }
    if (statusCode >= 500 && statusCode !== 503) request.log.error({ ...where, err }, 'request failed')
    else request.log.warn({ ...where, reason: err.message, cause: (err.cause as Error | undefined)?.message }, 'request refused')
    options.onAnswer?.({ statusCode, code: body.error.code, err }, request, reply)
    return reply.code(statusCode).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]
    return reply.code(404).send(errorBody(`${options.prefix}_NOT_FOUND`, `no route ${request.method} ${path}`))
  })
}
