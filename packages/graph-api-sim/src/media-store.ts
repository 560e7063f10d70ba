import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto'

/** An uploaded media object. */
export interface StoredMedia {
  id: string
  phoneNumberId: string
  mimeType: string
  sha256: string
  data: Buffer
  uploadedAt: number
  /** The sha256 GET /{media-id} and the webhook report when it differs from the bytes' (a test of hash checks). */
  reportedSha256?: string
  /** Every download URL answers 404 (a link that expired for good). */
  brokenLink?: boolean
  /** Scheme and host of its download URLs instead of the sim's own (e.g. a host off an allow-list). */
  urlBase?: string
}

/** Extras of an inbound (customer-sent) media object. */
export interface InboundMediaExtras {
  reportedSha256?: string
  brokenLink?: boolean
  urlBase?: string
}

/** Meta's size limits per media kind, bytes (stickers: the animated limit). */
const MAX_BYTES: Array<[RegExp, number]> = [
  [/^image\/webp$/, 500 * 1024],
  [/^image\//, 5 * 1024 * 1024],
  [/^(audio|video)\//, 16 * 1024 * 1024],
  [/.*/, 100 * 1024 * 1024]
]

/** URLs expire after 5 minutes, like Meta's (the default of `mediaUrlTtlMs`). */
export const MEDIA_URL_TTL_MS = 5 * 60_000

/** In-memory media: upload, look up, signed expiring download URLs, delete. */
export interface MediaStore {
  /** Stores the bytes; undefined when they exceed the size limit of their type. */
  put (phoneNumberId: string, data: Buffer, mimeType: string, now: number): StoredMedia | undefined
  /** Stores media a customer sent: no size limit (a test may send more than Meta allows), optional extras. */
  putInbound (phoneNumberId: string, data: Buffer, mimeType: string, now: number, extras?: InboundMediaExtras): StoredMedia
  get (id: string): StoredMedia | undefined
  delete (id: string): boolean
  /** A download URL path + query valid until now + the URL lifetime (5 min unless configured). */
  urlPath (id: string, now: number): string
  /** The media for a download URL's query, if the signature is right and not expired. */
  resolve (query: { mid?: string, ext?: string, hash?: string }, now: number): StoredMedia | undefined
  clear (): void
}

/** Options of the media store; `urlTtlMs` is how long a download URL stays valid (default 5 min). */
export function createMediaStore (options: { urlTtlMs?: number } = {}): MediaStore {
  const items = new Map<string, StoredMedia>()
  const key = randomBytes(16)
  const ttl = options.urlTtlMs ?? MEDIA_URL_TTL_MS
  const sign = (id: string, ext: string): string => createHmac('sha256', key).update(`${id}:${ext}`).digest('hex').slice(0, 32)
  const store = (phoneNumberId: string, data: Buffer, mimeType: string, now: number): StoredMedia => {
    // Media ids are long decimal numbers.
    let id: string
    do id = String(randomInt(1e9, 9e9)) + String(randomInt(1e6, 9e6)); while (items.has(id))
    const media = { id, phoneNumberId, mimeType, sha256: createHash('sha256').update(data).digest('hex'), data, uploadedAt: now }
    items.set(id, media)
    return media
  }

  return {
    put (phoneNumberId, data, mimeType, now) {
      const max = MAX_BYTES.find(([re]) => re.test(mimeType))?.[1] ?? 0
      if (data.length === 0 || data.length > max) return undefined
      return store(phoneNumberId, data, mimeType, now)
    },
    putInbound (phoneNumberId, data, mimeType, now, extras = {}) {
      return Object.assign(store(phoneNumberId, data, mimeType, now), extras)
    },
    get: (id) => items.get(id),
    delete: (id) => items.delete(id),
    urlPath (id, now) {
      // ext: the expiry, epoch ms (Meta's URLs carry an opaque ext too).
      const ext = String(now + ttl)
      return `/whatsapp_business/attachments/?mid=${id}&ext=${ext}&hash=${sign(id, ext)}`
    },
    resolve (q, now) {
      if (q.mid === undefined || q.ext === undefined || q.hash !== sign(q.mid, q.ext)) return undefined
      if (Number(q.ext) <= now) return undefined
      const media = items.get(q.mid)
      return media?.brokenLink === true ? undefined : media
    },
    clear () { items.clear() }
  }
}
