import { createHash, randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { SimContext } from './sim-context.ts'
import { createWamid } from './wamid.ts'

/** Body of POST /_sim/inbound/media: one customer message carrying media, now. */
export const inboundMediaSchema = z.object({
  phoneNumberId: z.string().min(1),
  from: z.string().regex(/^\+?\d{5,20}$/),
  type: z.enum(['image', 'video', 'audio', 'document', 'sticker']),
  mimeType: z.string().min(1),
  /** The file, base64; or `size` random bytes. */
  data: z.base64().optional(),
  size: z.number().int().min(1).max(110 * 1024 * 1024).optional(),
  /** The sha256 Meta reports (webhook and GET /{media-id}); default: the bytes' own. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional(),
  /** The webhook's sha256 as base64 (default, as observed from Meta) or hex; GET /{media-id} gives hex. */
  sha256Form: z.enum(['base64', 'hex']).default('base64'),
  /** Put a download `url` in the webhook (it expires like any other). Default true. */
  withUrl: z.boolean().default(true),
  /** Every download URL of this media answers 404 (a link that expired for good). */
  brokenLink: z.boolean().default(false),
  /** Scheme and host of the download URLs instead of the sim's, e.g. http://localhost:1234. */
  urlBase: z.url().optional(),
  caption: z.string().optional(),
  filename: z.string().optional()
}).refine((o) => (o.data === undefined) !== (o.size === undefined), { message: 'give exactly one of data and size' })

export type InboundMediaInput = z.output<typeof inboundMediaSchema>

/** What POST /_sim/inbound/media answers. */
export interface InboundMediaResult {
  mediaId: string
  wamid: string
  /** Hex sha256 of the stored bytes. */
  sha256: string
  size: number
  /** The webhook's download URL, when it has one. */
  url?: string
}

/**
 * Stores the media as a media id of the number and sends the customer's image/video/audio/document/
 * sticker message as a webhook (opening the window, counted and recorded like a text message).
 * `selfBase` is the sim's own scheme and host, for the webhook's `url`.
 */
export function emitInboundMedia (ctx: SimContext, input: InboundMediaInput, selfBase: string): InboundMediaResult {
  const now = ctx.now()
  const phone = ctx.phones.get(input.phoneNumberId)
  const from = input.from.replace(/^\+/, '')
  const data = input.data === undefined ? randomBytes(input.size ?? 1) : Buffer.from(input.data, 'base64')
  const media = ctx.media.putInbound(phone.id, data, input.mimeType, now, {
    ...(input.sha256 === undefined ? {} : { reportedSha256: input.sha256.toLowerCase() }),
    ...(input.brokenLink ? { brokenLink: true } : {}),
    ...(input.urlBase === undefined ? {} : { urlBase: input.urlBase.replace(/\/$/, '') })
  })
  const reported = media.reportedSha256 ?? media.sha256
  const object: Record<string, unknown> = {
    id: media.id,
    mime_type: media.mimeType,
    sha256: input.sha256Form === 'hex' ? reported : Buffer.from(reported, 'hex').toString('base64')
  }
  if (input.withUrl) object.url = `${media.urlBase ?? selfBase}${ctx.media.urlPath(media.id, now)}`
  if (input.caption !== undefined && input.type !== 'audio' && input.type !== 'sticker') object.caption = input.caption
  if (input.filename !== undefined && input.type === 'document') object.filename = input.filename
  if (input.type === 'sticker') object.animated = false
  if (input.type === 'audio') object.voice = false
  const wamid = createWamid(from)
  ctx.limiter.record(phone.id, now)
  ctx.windows.open(phone.id, from, now)
  ctx.recorder.add('inbound', { phoneNumberId: phone.id, from, wamid, at: now })
  ctx.webhooks?.enqueue({
    phone,
    kind: 'messages',
    item: { from, id: wamid, timestamp: String(Math.floor(now / 1000)), type: input.type, [input.type]: object },
    contact: { profile: { name: 'Customer' }, wa_id: from }
  })
  return { mediaId: media.id, wamid, sha256: createHash('sha256').update(data).digest('hex'), size: data.length, ...(typeof object.url === 'string' ? { url: object.url } : {}) }
}
