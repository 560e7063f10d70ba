import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { SILENCE_MATCH_OPS, type Silence } from '@wabridge/schemas'
import { SilenceRequestError } from '../errors.ts'
import { parseMatcher } from '../matchers.ts'
import { silenceState, type SilenceStore } from '../silences.ts'

const MatcherSchema = z.union([
  z.string().transform((s, ctx) => {
    try { return parseMatcher(s) } catch (err) { ctx.addIssue({ code: 'custom', message: (err as Error).message }); return z.NEVER }
  }),
  z.object({ name: z.string().min(1), op: z.enum(SILENCE_MATCH_OPS).default('eq'), value: z.string() }).strict()
])

/** POST /v1/silences: matchers as strings ("name=throughput_near_limit") or objects, and an end or a duration. */
export const NewSilenceSchema = z.object({
  matchers: z.array(MatcherSchema).min(1),
  starts_at: z.number().int().nonnegative().optional(),
  ends_at: z.number().int().positive().optional(),
  duration_ms: z.number().int().positive().optional(),
  created_by: z.string().max(200).optional(),
  comment: z.string().max(2000).optional()
}).strict().refine((s) => (s.ends_at === undefined) !== (s.duration_ms === undefined), 'give exactly one of ends_at and duration_ms')

/** A silence as the API shows it: the record plus its state at the time of the answer. */
export const toSilenceJson = (s: Silence, now: number) => ({ ...s, state: silenceState(s, now) })

export async function silenceRoutes (app: FastifyInstance, options: { silences: SilenceStore, clock: () => number }): Promise<void> {
  const { silences, clock } = options
  app.get('/v1/silences', async (request) => {
    const all = (request.query as { all?: string }).all === 'true'
    const now = clock()
    return { silences: silences.list().filter((s) => all || silenceState(s, now) !== 'expired').map((s) => toSilenceJson(s, now)) }
  })
  app.get('/v1/silences/:id', async (request) => {
    const s = silences.get((request.params as { id: string }).id)
    if (!s) throw new SilenceRequestError('NOTIFIER_SILENCE_NOT_FOUND', 'no such silence')
    return toSilenceJson(s, clock())
  })
  app.post('/v1/silences', async (request, reply) => {
    const parsed = NewSilenceSchema.safeParse(request.body)
    if (!parsed.success) throw new SilenceRequestError('NOTIFIER_BAD_SILENCE', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
    const body = parsed.data
    const now = clock()
    const startsAt = body.starts_at ?? now
    const endsAt = body.ends_at ?? startsAt + body.duration_ms!
    if (endsAt <= startsAt || endsAt <= now) throw new SilenceRequestError('NOTIFIER_BAD_SILENCE', 'the silence must end after it starts and after now')
    const s = await silences.add({ matchers: body.matchers, startsAt, endsAt, createdBy: body.created_by, comment: body.comment })
    return reply.code(201).send(toSilenceJson(s, clock()))
  })
  app.delete('/v1/silences/:id', async (request) => {
    const s = await silences.expire((request.params as { id: string }).id)
    if (!s) throw new SilenceRequestError('NOTIFIER_SILENCE_NOT_FOUND', 'no such silence')
    return toSilenceJson(s, clock())
  })
}
