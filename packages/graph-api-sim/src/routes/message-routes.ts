import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isApiVersion } from '../check-token.ts'
import { handleSend } from '../handle-send.ts'
import { hold } from '../hold.ts'
import { metaError } from '../meta-errors.ts'
import type { SimContext } from '../sim-context.ts'

type Params = { version: string, phoneNumberId: string }

function dropConnection (request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack()
  request.raw.socket.destroy()
}

/** `POST /{version}/{phone-number-id}/messages`, with latency and transport faults. */
export async function messageRoutes (app: FastifyInstance, opts: { ctx: SimContext }): Promise<void> {
  const { ctx } = opts
  app.post<{ Params: Params }>('/:version/:phoneNumberId/messages', async (request, reply) => {
    if (!isApiVersion(request.params.version)) return reply.callNotFound()
    const result = handleSend(ctx, {
      apiVersion: request.params.version,
      phoneNumberId: request.params.phoneNumberId,
      authorization: request.headers.authorization,
      userAgent: request.headers['user-agent'],
      body: request.body
    })
    // The whole request has been read at this point, so a reset here happens "after send".
    if (result.fault?.type === 'reset') return dropConnection(request, reply)
    const waitMs = result.fault?.type === 'timeout' ? result.fault.answerAfterMs : result.delayMs
    if (!await hold(ctx, waitMs)) return dropConnection(request, reply)
    if (result.statusCode === 0) {
      // A timeout fault with accept: false that does answer: the gateway gave up on the request.
      const r = metaError(2)
      return reply.code(r.statusCode).send(r.body)
    }
    return reply.code(result.statusCode).headers(result.headers).send(result.body)
  })
}
