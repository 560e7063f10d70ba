import type { FastifyInstance } from 'fastify'
import { createAdminGuard } from '@wabridge/process'
import type { NumberState } from '@wabridge/schemas'
import type { Breaker } from './circuit-breakers.ts'

export interface AdminRoutesOptions {
  host: string
  token: string | undefined
  /** This instance's numbers (those it has lanes for). */
  numbers: () => NumberState[]
  /** Closes the breakers of a phone number or WABA id on this instance. */
  resume: (id: string) => Breaker[]
}

/**
 * Egress's admin endpoints, on the health server: `GET /numbers` (this instance's numbers: breaker,
 * rate, backlog) and `POST /numbers/:id/resume` (this instance only; `wabridge numbers resume`
 * reaches every instance through wa.egress.control). They need EGRESS_ADMIN_TOKEN off loopback
 * (whenever it is set); /healthz and /readyz stay open.
 */
export function registerAdminRoutes (app: FastifyInstance, options: AdminRoutesOptions): void {
  app.addHook('onRequest', createAdminGuard({ host: options.host, token: options.token, prefix: 'EGRESS' }))
  app.get('/numbers', async () => ({ numbers: options.numbers() }))
  app.post<{ Params: { id: string } }>('/numbers/:id/resume', async (request) => {
    const closed = options.resume(request.params.id)
    return { resumed: closed.map((b) => ({ key: b.key, code: b.code, since: b.since })) }
  })
}
