import type { FastifyInstance } from 'fastify'

export interface HealthRoutesOptions {
  /** True while webhooks can be taken: producer connected, topics present, not shutting down. */
  isReady: () => boolean
}

/** /healthz: the process answers. /readyz: it should get traffic (503 before start and once stopping). */
export async function healthRoutes (app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_request, reply) => {
    if (options.isReady()) return { status: 'ready' }
    return reply.code(503).send({ status: 'not ready' })
  })
}
