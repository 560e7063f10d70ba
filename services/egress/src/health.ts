import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from '@wabridge/telemetry'

/** /healthz (the process is alive) and /readyz (503 until started and again once stopping). */
export function buildHealthServer (logger: Logger, isReady: () => { ready: boolean, detail: Record<string, unknown> }): FastifyInstance {
  const app = Fastify({ loggerInstance: logger.child({ component: 'health' }) as FastifyBaseLogger, disableRequestLogging: true })
  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_req, reply) => {
    const { ready, detail } = isReady()
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', ...detail })
  })
  return app
}
