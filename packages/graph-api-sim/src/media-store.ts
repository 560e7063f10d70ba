import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto'

/** An uploaded media object. */
export interface StoredMedia {
  id: string
  phoneNumberId: string
  mimeType: string
  sha256: string
  data: Buffer
  uploadedAt: number
}

/** Meta's size limits per media kind, bytes (stickers: the animated limit). */
const MAX_BYTES: Array<[RegExp, number]> = [
  [/^image\/webp$/, 500 * 1024],
  [/^image\//, 5 * 1024 * 1024],
  [/^(audio|video)\//, 16 * 1024 * 1024],
  [/.*/, 100 * 1024 * 1024]
]

/** URLs expire after 5 minutes, like Meta's. */
export const MEDIA_URL_TTL_MS = 5 * 60_000

/** In-memory media: upload, look up, signed expiring download URLs, delete. */
export interface MediaStore {
  /** Stores the bytes; undefined when they exceed the size limit of their type. */
  put (phoneNumberId: string, data: Buffer, mimeType: string, now: number): StoredMedia | undefined
  get (id: string): StoredMedia | undefined
  delete (id: string): boolean
  /** A download URL path + query valid until now + 5 min. */
  urlPath (id: string, now: number): string
  /** The media for a download URL's query, if the signature is right and not expired. */
  resolve (query: { mid?: string, ext?: string, hash?: string }, now: number): StoredMedia | undefined
  clear (): void
}

export function createMediaStore (): MediaStore {
  const items = new Map<string, StoredMedia>()
  const key = randomBytes(16)
  const sign = (id: string, ext: string): string => createHmac('sha256', key).update(`${id}:${ext}`).digest('hex').slice(0, 32)

  return {
    put (phoneNumberId, data, mimeType, now) {
      const max = MAX_BYTES.find(([re]) => re.test(mimeType))?.[1] ?? 0
      if (data.length === 0 || data.length > max) return undefined
      // Media ids are long decimal numbers.
      const id = String(randomInt(1e9, 9e9)) + String(randomInt(1e6, 9e6))
      const media = { id, phoneNumberId, mimeType, sha256: createHash('sha256').update(data).digest('hex'), data, uploadedAt: now }
      items.set(id, media)
      return media
    },
    get: (id) => items.get(id),
    delete: (id) => items.delete(id),
    urlPath (id, now) {
      const ext = String(Math.floor((now + MEDIA_URL_TTL_MS) / 1000))
      return `/whatsapp_business/attachments/?mid=${id}&ext=${ext}&hash=${sign(id, ext)}`
    },
    resolve (q, now) {
      if (q.mid === undefined || q.ext === undefined || q.hash !== sign(q.mid, q.ext)) return undefined
      if (Number(q.ext) * 1000 < now) return undefined
      return items.get(q.mid)
    },
    clear () { items.clear() }
  }
}
