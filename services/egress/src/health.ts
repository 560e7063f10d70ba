import Fastify, { type FastifyInstance } from 'fastify'

/** /healthz (the process is alive) and /readyz (503 until started and again once stopping). */
export function buildHealthServer (isReady: () => { ready: boolean, detail: Record<string, unknown> }): FastifyInstance {
  // Probes are frequent and carry nothing worth logging.
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const { ready, detail } = isReady()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...detail })
  })
  return app
}
