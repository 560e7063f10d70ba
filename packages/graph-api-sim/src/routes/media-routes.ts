import type { FastifyInstance } from 'fastify'
import { errorBody } from '@wabridge/process'
import { businessNodeReply } from '../business-nodes.ts'
import { checkToken, isApiVersion } from '../check-token.ts'
import { emitInboundMedia, inboundMediaSchema } from '../inbound-media.ts'
import { invalidParameter, metaError } from '../meta-errors.ts'
import { multipartBoundary, parseMultipart } from '../parse-multipart.ts'
import { phoneNumberInfo } from '../phone-number-info.ts'
import { pricingAnalyticsReply } from '../pricing-analytics.ts'
import type { SimContext } from '../sim-context.ts'

const notFound = (id: string) => metaError(100, {
  subcode: 33,
  message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`
})

/** Media upload, lookup, delete, and the download URL the lookup hands out. */
export async function mediaRoutes (app: FastifyInstance, opts: { ctx: SimContext }): Promise<void> {
  const { ctx } = opts

  app.post<{ Params: { version: string, phoneNumberId: string } }>('/:version/:phoneNumberId/media', async (request, reply) => {
    if (!isApiVersion(request.params.version)) return reply.callNotFound()
    const phone = ctx.phones.get(request.params.phoneNumberId)
    const tokenError = checkToken(request.headers.authorization, phone)
    if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
    const boundary = multipartBoundary(request.headers['content-type'])
    const parts = boundary !== undefined && Buffer.isBuffer(request.body) ? parseMultipart(request.body, boundary) : []
    const product = parts.find((p) => p.name === 'messaging_product')?.data.toString()
    const file = parts.find((p) => p.name === 'file')
    const bad = boundary === undefined ? 'The request must be multipart/form-data.' : product !== 'whatsapp' ? "Param messaging_product must be 'whatsapp'" : file === undefined ? 'The parameter file is required.' : undefined
    if (bad || !file) {
      const r = invalidParameter(bad ?? 'The parameter file is required.')
      return reply.code(r.statusCode).send(r.body)
    }
    const mimeType = parts.find((p) => p.name === 'type')?.data.toString() ?? file.contentType ?? 'application/octet-stream'
    const media = ctx.media.put(phone.id, Buffer.from(file.data), mimeType, ctx.now())
    if (!media) {
      const r = metaError(131053, { details: 'The file is empty or larger than the limit for its type.' })
      return reply.code(r.statusCode).send(r.body)
    }
    return { id: media.id }
  })

  // GET /{version}/{id}: a media object, a WABA or portfolio the sim knows, or (with ?fields=, or an id that is no media) a phone number's fields.
  app.get<{ Params: { version: string, mediaId: string }, Querystring: { phone_number_id?: string, fields?: string } }>('/:version/:mediaId', async (request, reply) => {
    if (!isApiVersion(request.params.version)) return reply.callNotFound()
    const media = ctx.media.get(request.params.mediaId)
    const analytics = media ? undefined : pricingAnalyticsReply(ctx, ctx.pricing, request.params.mediaId, request.query.fields, request.headers.authorization)
    if (analytics) return reply.code(analytics.statusCode).send(analytics.body)
    const business = media ? undefined : businessNodeReply(ctx, request.params.mediaId, request.query.fields, request.headers.authorization)
    if (business) return reply.code(business.statusCode).send(business.body)
    if (!media && (request.query.fields !== undefined || ctx.phones.isConfigured(request.params.mediaId))) {
      const phone = ctx.phones.get(request.params.mediaId)
      const tokenError = checkToken(request.headers.authorization, phone)
      if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
      if (ctx.settings.strictPhoneNumbers && !ctx.phones.isConfigured(phone.id)) {
        const r = notFound(phone.id)
        return reply.code(r.statusCode).send(r.body)
      }
      return phoneNumberInfo(phone, request.query.fields, ctx.limits.tierOf(ctx.limits.portfolioOf(phone.wabaId)))
    }
    const tokenError = checkToken(request.headers.authorization, media ? ctx.phones.get(media.phoneNumberId) : undefined)
    if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
    const pnid = request.query.phone_number_id
    if (!media || (pnid !== undefined && pnid !== media.phoneNumberId)) {
      const r = notFound(request.params.mediaId)
      return reply.code(r.statusCode).send(r.body)
    }
    const url = `${media.urlBase ?? `${request.protocol}://${request.host}`}${ctx.media.urlPath(media.id, ctx.now())}`
    return { messaging_product: 'whatsapp', url, mime_type: media.mimeType, sha256: media.reportedSha256 ?? media.sha256, file_size: media.data.length, id: media.id }
  })

  app.delete<{ Params: { version: string, mediaId: string } }>('/:version/:mediaId', async (request, reply) => {
    if (!isApiVersion(request.params.version)) return reply.callNotFound()
    const media = ctx.media.get(request.params.mediaId)
    const tokenError = checkToken(request.headers.authorization, media ? ctx.phones.get(media.phoneNumberId) : undefined)
    if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
    if (!media) {
      const r = notFound(request.params.mediaId)
      return reply.code(r.statusCode).send(r.body)
    }
    ctx.media.delete(media.id)
    return { success: true }
  })

  app.get<{ Querystring: { mid?: string, ext?: string, hash?: string } }>('/whatsapp_business/attachments/', async (request, reply) => {
    const media = ctx.media.resolve(request.query, ctx.now())
    const tokenError = checkToken(request.headers.authorization, media ? ctx.phones.get(media.phoneNumberId) : undefined)
    if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
    // Meta answers 404 for an expired or unknown URL: fetch a fresh one with GET /{media-id}.
    if (!media) return reply.code(404).type('text/plain').send('Not Found')
    return reply.type(media.mimeType).send(media.data)
  })

  // Control: a customer sends media now (stored as a media id, announced by a signed webhook).
  app.post('/_sim/inbound/media', async (request, reply) => {
    const parsed = inboundMediaSchema.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send(errorBody('SIM_BAD_REQUEST', 'invalid request', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }))
    return emitInboundMedia(ctx, parsed.data, `${request.protocol}://${request.host}`)
  })
}
