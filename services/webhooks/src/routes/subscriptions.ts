import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { WebhooksError } from '../errors.ts'
import type { SubscriptionAdmin } from '../subscription-admin.ts'
import { redacted } from '../subscriptions.ts'

export interface SubscriptionRoutesOptions {
  admin: SubscriptionAdmin
}

const CreateBody = z.object({
  url: z.string(),
  event_types: z.array(z.string()).optional(),
  phone_number_ids: z.array(z.string()).optional(),
  description: z.string().max(500).optional()
}).strict()
const RotateBody = z.object({ expire_old_in_ms: z.number().int().min(0).optional() }).strict()
const ReplayBody = z.object({ since: z.iso.datetime({ offset: true }).optional(), dry_run: z.boolean().optional() }).strict()

function parse<T> (schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {})
  if (!result.success) {
    throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  }
  return result.data
}

type IdParams = { Params: { id: string } }

/** /v1/subscriptions…: create, list, read, delete, rotate the secret, enable, disable, replay failed deliveries. */
export async function subscriptionRoutes (app: FastifyInstance, options: SubscriptionRoutesOptions): Promise<void> {
  const { admin } = options
  app.get('/v1/subscriptions', async () => ({ subscriptions: admin.list().map(redacted) }))
  app.post('/v1/subscriptions', async (request, reply) => {
    const body = parse(CreateBody, request.body)
    const sub = await admin.add({ url: body.url, eventTypes: body.event_types, phoneNumberIds: body.phone_number_ids, description: body.description })
    // The only answers that carry whole secrets: this one and rotate-secret's.
    return reply.code(201).send(sub)
  })
  app.get<IdParams>('/v1/subscriptions/:id', async (request) => redacted(admin.get(request.params.id)))
  app.delete<IdParams>('/v1/subscriptions/:id', async (request, reply) => {
    await admin.remove(request.params.id)
    return reply.code(204).send()
  })
  app.post<IdParams>('/v1/subscriptions/:id/rotate-secret', async (request) => {
    const body = parse(RotateBody, request.body)
    return await admin.rotateSecret(request.params.id, body.expire_old_in_ms)
  })
  app.post<IdParams>('/v1/subscriptions/:id/enable', async (request) => redacted(await admin.setEnabled(request.params.id, true)))
  app.post<IdParams>('/v1/subscriptions/:id/disable', async (request) => redacted(await admin.setEnabled(request.params.id, false)))
  app.post<IdParams>('/v1/subscriptions/:id/replay', async (request) => {
    const body = parse(ReplayBody, request.body)
    return await admin.replay(request.params.id, { since: body.since === undefined ? undefined : Date.parse(body.since), dryRun: body.dry_run })
  })
}
