import type { FastifyInstance, FastifyRequest } from 'fastify'
import { SchemaError, parseOutboundRequestJson } from '@wabridge/schemas'
import { ApiError } from '../errors.ts'
import type { Caller, KeyStore } from '../key-store.ts'
import type { MessagePublisher } from '../message-publisher.ts'
import { toState, type RequestEntry } from '../message-state.ts'
import type { RequestView } from '../request-view.ts'
import type { RateLimiter } from '../token-bucket.ts'
import { RequestIdParamsSchema } from '../http-schemas.ts'
import { windowRoutes, type WindowSource } from './windows.ts'

export interface MessageRoutesOptions {
  keys: KeyStore
  /** True once the keys topic was read up to where it ended at start (before, no key can be checked). */
  hasKeys: () => boolean
  limiter: RateLimiter
  publisher: MessagePublisher
  view: RequestView
  retryAfterS: number
  /** The window tracker of GET /v1/windows (routes/windows.ts, behind the same key hook); none = 503. */
  windows?: WindowSource | undefined
  /** Epoch ms of the window answers. Default Date.now. */
  clock?: () => number
}

const iso = (ms: number | undefined) => ms === undefined ? null : new Date(ms).toISOString()

/** The GET answer (MessageStatusSchema) of a known request. */
function toMessageStatus (entry: RequestEntry) {
  const answer = toState(entry)!
  return {
    request_id: entry.requestId,
    state: answer.state,
    phone_number_id: entry.phoneNumberId ?? null,
    to: entry.to ?? null,
    wamid: entry.result?.wamid ?? entry.webhook?.wamid ?? null,
    reason: answer.reason,
    error: answer.error,
    queued_at: iso(entry.queuedAt),
    send_at: iso(entry.sendAt),
    priority: entry.priority === 'interactive' || entry.priority === 'bulk' ? entry.priority : null,
    result: entry.result
      ? { status: entry.result.status, completed_at: iso(entry.result.completedAt)!, attempts: entry.result.attempts, settled: entry.result.isSettlement }
      : null,
    webhook: entry.webhook ? { status: entry.webhook.status, at: iso(entry.webhook.at)! } : null
  }
}

/**
 * POST /v1/messages and GET /v1/messages/{request_id}, behind API keys: each request is
 * authenticated (Authorization: Bearer <key>) and counted against its key's rate before its body
 * is even parsed.
 */
export async function messageRoutes (app: FastifyInstance, options: MessageRoutesOptions): Promise<void> {
  const callers = new WeakMap<FastifyRequest, Caller>()
  const callerOf = (request: FastifyRequest) => callers.get(request)!

  app.addHook('onRequest', async (request) => {
    if (!options.hasKeys()) throw new ApiError('API_UNAVAILABLE', 'the API keys are not read yet: retry later', { retryAfterS: options.retryAfterS })
    const header = request.headers.authorization
    const token = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined
    const caller = token === undefined ? undefined : options.keys.authenticate(token)
    if (!caller) throw new ApiError('API_UNAUTHENTICATED', token === undefined ? 'missing Authorization: Bearer <API key>' : 'unknown or revoked API key')
    const taken = options.limiter.take(caller.keyId, { rate: caller.ratePerSecond, burst: caller.burst })
    if (!taken.ok) throw new ApiError('API_RATE_LIMITED', `this key's rate of ${caller.ratePerSecond} requests a second is used up`, { retryAfterS: taken.retryAfterS })
    callers.set(request, caller)
  })

  app.post('/v1/messages', async (request, reply) => {
    let body
    try {
      body = parseOutboundRequestJson(request.body)
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err
      throw new ApiError('API_INVALID_REQUEST', err.message, { cause: err, details: { issues: err.issues } })
    }
    if (!callerOf(request).mayUse(body.phone_number_id)) {
      throw new ApiError('API_FORBIDDEN', `this key may not send from phone number ${body.phone_number_id}`)
    }
    const { requestId, isReplay, state } = await options.publisher.publish(body)
    if (isReplay) reply.header('idempotent-replayed', 'true')
    return reply.code(202).send({ request_id: requestId, state })
  })

  app.get('/v1/messages/:request_id', async (request) => {
    const params = RequestIdParamsSchema.safeParse(request.params)
    if (!params.success) {
      throw new ApiError('API_INVALID_REQUEST', 'request_id must be 1 to 128 characters', { details: { issues: [{ path: 'request_id', message: 'must be 1 to 128 characters' }] } })
    }
    const entry = options.view.get(params.data.request_id)
    // Another tenant's request is answered like an unknown one, so ids cannot be probed.
    if (!entry || entry.phoneNumberId === undefined || !callerOf(request).mayUse(entry.phoneNumberId) || !toState(entry)) {
      throw new ApiError('API_MESSAGE_NOT_FOUND', `no request ${JSON.stringify(params.data.request_id)} is known to the gateway (for this key)`)
    }
    return toMessageStatus(entry)
  })

  await app.register(windowRoutes, { windows: options.windows, clock: options.clock ?? Date.now, callerOf, retryAfterS: options.retryAfterS })
}
