import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import type { Silence } from '@wabridge/schemas'
import { SilenceRequestError } from '../errors.ts'
import { ListSilencesQuerySchema, NewSilenceSchema, SilenceIdParamsSchema } from '../http-schemas.ts'
import { silenceState, type SilenceStore } from '../silences.ts'

/** A silence as the API shows it: the record plus its state at the time of the answer. */
export const toSilenceJson = (s: Silence, now: number) => ({ ...s, state: silenceState(s, now) })

/** The parsed value, or NOTIFIER_BAD_SILENCE (400) naming every problem. */
function parse<T extends z.ZodType> (schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new SilenceRequestError('NOTIFIER_BAD_SILENCE', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
  return parsed.data
}

export async function silenceRoutes (app: FastifyInstance, options: { silences: SilenceStore, clock: () => number }): Promise<void> {
  const { silences, clock } = options
  app.get('/v1/silences', async (request) => {
    const all = parse(ListSilencesQuerySchema, request.query).all === 'true'
    const now = clock()
    return { silences: silences.list().filter((s) => all || silenceState(s, now) !== 'expired').map((s) => toSilenceJson(s, now)) }
  })
  app.get('/v1/silences/:id', async (request) => {
    const s = silences.get(parse(SilenceIdParamsSchema, request.params).id)
    if (!s) throw new SilenceRequestError('NOTIFIER_SILENCE_NOT_FOUND', 'no such silence')
    return toSilenceJson(s, clock())
  })
  app.post('/v1/silences', async (request, reply) => {
    const body = parse(NewSilenceSchema, request.body)
    const now = clock()
    const startsAt = body.starts_at ?? now
    const endsAt = body.ends_at ?? startsAt + body.duration_ms!
    if (endsAt <= startsAt || endsAt <= now) throw new SilenceRequestError('NOTIFIER_BAD_SILENCE', 'the silence must end after it starts and after now')
    const s = await silences.add({ matchers: body.matchers, startsAt, endsAt, createdBy: body.created_by, comment: body.comment })
    return reply.code(201).send(toSilenceJson(s, clock()))
  })
  app.delete('/v1/silences/:id', async (request) => {
    const s = await silences.expire(parse(SilenceIdParamsSchema, request.params).id)
    if (!s) throw new SilenceRequestError('NOTIFIER_SILENCE_NOT_FOUND', 'no such silence')
    return toSilenceJson(s, clock())
  })
}
