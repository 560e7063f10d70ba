import type { FastifyPluginAsync } from 'fastify'

/** GET /openapi.json: the document, serialized once; open like /healthz (it holds no data). */
export const openApiRoutes: FastifyPluginAsync<{ document: object }> = async (app, { document }) => {
  const body = JSON.stringify(document)
  app.get('/openapi.json', async (_req, reply) => reply.type('application/json').send(body))
}
