import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { recipientWaId, suppressionActive, suppressionScope, type Suppression } from '@wabridge/schemas'
import { SuppressionRequestError } from './suppression-errors.ts'
import { ListSuppressionsQuerySchema, NewSuppressionSchema, SuppressionParamsSchema } from './suppression-http-schemas.ts'
import type { SuppressionStore } from './suppression-store.ts'

export interface SuppressionRoutesDeps {
  store: SuppressionStore
  /** Epoch ms. Default Date.now. */
  clock?: (() => number) | undefined
  /** The WABA of a number (WA_PHONE_WABAS), for POST with phone_number_id. Default: none ('phone:{id}'). */
  wabaOf?: ((phoneNumberId: string) => string | undefined) | undefined
}

/** The parsed value, or SUPPRESSION_INVALID (400) naming every problem. */
function parse<T extends z.ZodType> (schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new SuppressionRequestError('SUPPRESSION_INVALID', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
  return parsed.data
}

/** A suppression as the API shows it: the record plus whether it holds now. */
export const toSuppressionJson = (s: Suppression, now: number) => ({ ...s, active: suppressionActive(s, now) })

/**
 * GET /v1/suppressions, POST /v1/suppressions, DELETE /v1/suppressions/{scope}/{wa_id}, registered
 * on `app` (behind the caller's admin guard; errors through toSuppressionFailure). Documented by suppressionPaths.
 */
export function suppressionRoutes (app: FastifyInstance, deps: SuppressionRoutesDeps): void {
  const clock = deps.clock ?? Date.now
  const wabaOf = deps.wabaOf ?? (() => undefined)
  app.get('/v1/suppressions', async (request) => {
    const q = parse(ListSuppressionsQuerySchema, request.query)
    const now = clock()
    return { suppressions: deps.store.list({ scope: q.scope, reason: q.reason, limit: q.limit, all: q.all === 'true' }).map((s) => toSuppressionJson(s, now)) }
  })
  app.post('/v1/suppressions', async (request, reply) => {
    const b = parse(NewSuppressionSchema, request.body)
    const now = clock()
    if (b.expires_at !== undefined && b.expires_at <= now) throw new SuppressionRequestError('SUPPRESSION_INVALID', 'expires_at: must be in the future')
    const waId = b.wa_id ?? recipientWaId(b.to!)
    if (!/^\d{5,15}$/.test(waId)) throw new SuppressionRequestError('SUPPRESSION_INVALID', 'to: not a phone number (5 to 15 digits)')
    const s: Suppression = {
      scope: b.scope ?? suppressionScope(b.phone_number_id!, wabaOf),
      wa_id: waId,
      reason: b.reason,
      source: b.source ?? 'api',
      created_at: now,
      expires_at: b.expires_at ?? null,
      created_by: b.created_by ?? null
    }
    await deps.store.add(s)
    return reply.code(201).send(toSuppressionJson(s, now))
  })
  app.delete('/v1/suppressions/:scope/:wa_id', async (request, reply) => {
    const p = parse(SuppressionParamsSchema, request.params)
    if (!(await deps.store.remove(p.scope, p.wa_id))) throw new SuppressionRequestError('SUPPRESSION_NOT_FOUND', `no suppression of ${p.wa_id} in ${p.scope}`)
    return reply.code(204).send()
  })
}
