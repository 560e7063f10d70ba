import type { FastifyInstance } from 'fastify'
import { normalizeWaId, windowAnswer, WindowParamsSchema } from '@wabridge/conversations'
import type { CustomerWindow } from '@wabridge/schemas'
import { ConversationsRequestError } from '../errors.ts'

/** Where the routes read windows from (the keeper). */
export interface WindowReader {
  lookup(phoneNumberId: string, waId: string): CustomerWindow | undefined
}

/** GET /v1/windows/{phone_number_id}/{wa_id}: the pair's windows now; an unknown pair has both closed (never 404). */
export async function windowRoutes (app: FastifyInstance, options: { windows: WindowReader, clock: () => number }): Promise<void> {
  app.get('/v1/windows/:phone_number_id/:wa_id', async (request) => {
    const parsed = WindowParamsSchema.safeParse(request.params)
    if (!parsed.success) throw new ConversationsRequestError('CONVERSATIONS_BAD_PAIR', 'phone_number_id must be digits and wa_id digits or +E.164')
    const pn = parsed.data.phone_number_id
    const waId = normalizeWaId(parsed.data.wa_id)
    return windowAnswer(pn, waId, options.windows.lookup(pn, waId), options.clock())
  })
}
