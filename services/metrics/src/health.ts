import type { FastifyPluginAsync } from 'fastify'

export interface HealthOptions {
  /** True once the service can answer with current data; false again while stopping. */
  isReady: () => boolean
}

/** `/healthz` (the process answers) and `/readyz` (503 until the changelog view caught up, and once stopping). */
export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    if (options.isReady()) return { status: 'ready' }
    return reply.code(503).send({ status: 'not ready' })
  })
}
