import type { FastifyInstance } from 'fastify'
import type { InboundMedia } from '@wabridge/schemas'
import { MediaRequestError } from '../errors.ts'
import { MediaIdParamsSchema } from '../http-schemas.ts'

const iso = (ms: number | null): string | null => ms === null ? null : new Date(ms).toISOString()

/** GET /v1/media/{media_id}: the last record this instance published for it. */
export async function mediaRoutes (app: FastifyInstance, options: { lookup: (mediaId: string) => InboundMedia | undefined }): Promise<void> {
  app.get('/v1/media/:media_id', async (request) => {
    const parsed = MediaIdParamsSchema.safeParse(request.params)
    if (!parsed.success) throw Object.assign(new Error('media_id must be 1 to 128 letters, digits, . _ -'), { statusCode: 400 })
    const r = options.lookup(parsed.data.media_id)
    if (!r) throw new MediaRequestError(404, 'MEDIA_NOT_FOUND_MEDIA', `no record of media ${parsed.data.media_id} on this instance (it keeps the newest MEDIA_RECENT_MAX; read ${'wa.inbound.media'} for older ones)`)
    return { ...r, message_timestamp: iso(r.message_timestamp), completed_at: iso(r.completed_at) }
  })
}
