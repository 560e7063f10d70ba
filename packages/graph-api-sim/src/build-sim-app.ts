import Fastify, { type FastifyInstance, type FastifyError } from 'fastify'
import { createAdminGuard, errorBody, toErrorAnswer } from '@wabridge/process'
import { invalidParameter, metaError } from './meta-errors.ts'
import { controlRoutes } from './routes/control-routes.ts'
import { mediaRoutes } from './routes/media-routes.ts'
import { messageRoutes } from './routes/message-routes.ts'
import { templateRoutes } from './routes/template-routes.ts'
import type { SimContext } from './sim-context.ts'
import type { GraphApiSimControl } from './sim-control.ts'

const isControl = (url: string): boolean => url.startsWith('/_sim')

/** Builds the fastify app of the sim: Graph API routes, media, templates, and /_sim control. Does not listen. */
export function buildSimApp (ctx: SimContext, control: GraphApiSimControl, isStopping: () => boolean = () => false, admin: { host: string, token?: string | undefined } = { host: '127.0.0.1' }): FastifyInstance {
  const app = Fastify({
    logger: false,
    // Held (timeout fault) requests must not keep close() waiting.
    forceCloseConnections: true,
    // Documents may be 100 MB.
    bodyLimit: 110 * 1024 * 1024
  })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500
    if (isControl(request.url)) {
      const answer = toErrorAnswer(err, { prefix: 'SIM' })
      return reply.code(answer.statusCode).send(answer.body)
    }
    // Meta answers bad JSON and similar with its own envelope, never a framework error body.
    const r = status >= 500 ? metaError(1) : invalidParameter(err.message)
    if (status >= 500) ctx.logger.error({ err }, 'sim request failed')
    return reply.code(status >= 500 ? r.statusCode : status).send(r.body)
  })
  app.setNotFoundHandler((request, reply) => {
    if (isControl(request.url)) return reply.code(404).send(errorBody('SIM_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`))
    const r = metaError(2500, { message: `Unknown path components: ${request.url.split('?')[0] ?? ''}` })
    return reply.code(r.statusCode).send(r.body)
  })

  // The /_sim control endpoints need the admin token off loopback; the Graph API routes check their own tokens.
  const guard = createAdminGuard({ host: admin.host, token: admin.token, prefix: 'SIM', openPaths: ['/_sim/healthz', '/_sim/readyz'] })
  app.addHook('onRequest', async (request, reply) => {
    if (isControl(request.url)) return guard.call(app, request, reply)
  })

  void app.register(messageRoutes, { ctx })
  void app.register(mediaRoutes, { ctx })
  void app.register(templateRoutes, { ctx })
  void app.register(controlRoutes, { control, isStopping })
  return app
}
