import type { FastifyInstance, FastifyRequest } from 'fastify'
import { normalizeWaId, windowAnswer, WindowParamsSchema } from '@wabridge/conversations'
import type { CustomerWindow } from '@wabridge/schemas'
import { ApiError } from '../errors.ts'
import type { Caller } from '../key-store.ts'

/** What the route needs of the window tracker of @wabridge/conversations. */
export interface WindowSource {
  isCaughtUp(): boolean
  sync(deadlineMs: number): Promise<boolean>
  lookup(phoneNumberId: string, waId: string): CustomerWindow | undefined
}

export interface WindowRoutesOptions {
  /** The window tracker; without one the route answers 503. */
  windows?: WindowSource | undefined
  /** Epoch ms: open or closed now. */
  clock: () => number
  /** The caller the API-key hook of the parent plugin authenticated. */
  callerOf: (request: FastifyRequest) => Caller
  retryAfterS: number
}

/** How long an answer waits for the tracker to read the inbound messages that existed when it was asked, ms. */
export const WINDOW_SYNC_MS = 2000

/**
 * GET /v1/windows/{phone_number_id}/{wa_id}: the customer service and free entry point windows of a
 * number the key may use, from the window tracker (wa.windows and the inbound messages it tails);
 * a pair the gateway knows nothing of answers both closed. Registered inside messageRoutes, whose
 * hook authenticates the key and takes its rate.
 */
export async function windowRoutes (app: FastifyInstance, options: WindowRoutesOptions): Promise<void> {
  app.get('/v1/windows/:phone_number_id/:wa_id', async (request) => {
    const params = WindowParamsSchema.safeParse(request.params)
    if (!params.success) {
      throw new ApiError('API_INVALID_REQUEST', 'phone_number_id must be digits and wa_id digits or +E.164', {
        details: { issues: params.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }
      })
    }
    const { phone_number_id: pn } = params.data
    if (!options.callerOf(request).mayUse(pn)) throw new ApiError('API_FORBIDDEN', `this key may not use phone number ${pn}`)
    const windows = options.windows
    if (!windows?.isCaughtUp()) throw new ApiError('API_UNAVAILABLE', 'the customer service windows are not read yet: retry later', { retryAfterS: options.retryAfterS })
    // A message the customer just sent counts (the answer may still be one that was current a moment ago when Kafka is slow).
    await windows.sync(Date.now() + WINDOW_SYNC_MS)
    const waId = normalizeWaId(params.data.wa_id)
    return windowAnswer(pn, waId, windows.lookup(pn, waId), options.clock())
  })
}
