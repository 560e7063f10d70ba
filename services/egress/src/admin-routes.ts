import type { FastifyInstance } from 'fastify'
import { createAdminGuard, errorBody, OPEN_PATHS, openApiRoutes } from '@wabridge/process'
import type { NumberState } from '@wabridge/schemas'
import type { Breaker } from './circuit-breakers.ts'
import { ResumeParamsSchema } from './http-schemas.ts'
import { buildOpenApiDocument } from './openapi.ts'

export interface AdminRoutesOptions {
  host: string
  token: string | undefined
  /** This instance's numbers (those it has lanes for). */
  numbers: () => NumberState[]
  /** Closes the breakers of a phone number or WABA id on this instance. */
  resume: (id: string) => Breaker[]
  /** info.version of /openapi.json; default 0.1.0. */
  version?: string
}

/**
 * Egress's admin endpoints, on the health server: `GET /numbers` (this instance's numbers: breaker,
 * rate, backlog) and `POST /numbers/:id/resume` (this instance only; `wabridge numbers resume`
 * reaches every instance through wa.egress.control). They need EGRESS_ADMIN_TOKEN off loopback
 * (whenever it is set); /healthz, /readyz and `GET /openapi.json` (the OpenAPI document of the
 * server, see openapi.ts) stay open.
 */
export function registerAdminRoutes (app: FastifyInstance, options: AdminRoutesOptions): void {
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.token, prefix: 'EGRESS', openPaths: [...OPEN_PATHS, '/openapi.json'] }))
  app.register(openApiRoutes, { document: buildOpenApiDocument({ version: options.version ?? '0.1.0' }) })
  app.get('/numbers', async () => ({ numbers: options.numbers() }))
  app.post('/numbers/:id/resume', async (request, reply) => {
    const params = ResumeParamsSchema.safeParse(request.params)
    if (!params.success) {
      const issue = params.error.issues[0]!
      return reply.code(400).send(errorBody('EGRESS_BAD_REQUEST', `${issue.path.join('.')}: ${issue.message}`, { parameter: String(issue.path[0] ?? 'id') }))
    }
    const closed = options.resume(params.data.id)
    return { resumed: closed.map((b) => ({ key: b.key, code: b.code, since: b.since })) }
  })
}
