import type { FastifyInstance } from 'fastify'

/** GET /openapi.json (a fastify plugin): the document, serialised once; open like /healthz (it holds no data). */
export async function openApiRoutes (app: FastifyInstance, options: { document: object }): Promise<void> {
  const body = JSON.stringify(options.document)
  app.get('/openapi.json', async (_request, reply) => reply.type('application/json').send(body))
}
