import type { FastifyInstance } from 'fastify'
import type { z } from 'zod'
import { WebhooksError } from '../errors.ts'
import { CreateSubscriptionSchema, ReplaySchema, RotateSecretSchema, SubscriptionIdParamsSchema } from '../http-schemas.ts'
import type { SubscriptionAdmin } from '../subscription-admin.ts'
import { redacted } from '../subscriptions.ts'

export interface SubscriptionRoutesOptions {
  admin: SubscriptionAdmin
}

function parse<T extends z.ZodType> (schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value ?? {})
  if (!result.success) {
    throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  }
  return result.data
}

const idOf = (params: unknown) => parse(SubscriptionIdParamsSchema, params).id

/** /v1/subscriptions…: create, list, read, delete, rotate the secret, enable, disable, replay failed deliveries. */
export async function subscriptionRoutes (app: FastifyInstance, options: SubscriptionRoutesOptions): Promise<void> {
  const { admin } = options
  app.get('/v1/subscriptions', async () => ({ subscriptions: admin.list().map(redacted) }))
  app.post('/v1/subscriptions', async (request, reply) => {
    const body = parse(CreateSubscriptionSchema, request.body)
    const sub = await admin.add({ url: body.url, eventTypes: body.event_types, phoneNumberIds: body.phone_number_ids, description: body.description })
    // The only answers that carry whole secrets: this one and rotate-secret's.
    return reply.code(201).send(sub)
  })
  app.get('/v1/subscriptions/:id', async (request) => redacted(admin.get(idOf(request.params))))
  app.delete('/v1/subscriptions/:id', async (request, reply) => {
    await admin.remove(idOf(request.params))
    return reply.code(204).send()
  })
  app.post('/v1/subscriptions/:id/rotate-secret', async (request) => {
    const body = parse(RotateSecretSchema, request.body)
    return await admin.rotateSecret(idOf(request.params), body.expire_old_in_ms)
  })
  app.post('/v1/subscriptions/:id/enable', async (request) => redacted(await admin.setEnabled(idOf(request.params), true)))
  app.post('/v1/subscriptions/:id/disable', async (request) => redacted(await admin.setEnabled(idOf(request.params), false)))
  app.post('/v1/subscriptions/:id/replay', async (request) => {
    const body = parse(ReplaySchema, request.body)
    return await admin.replay(idOf(request.params), { since: body.since === undefined ? undefined : Date.parse(body.since), dryRun: body.dry_run })
  })
}
