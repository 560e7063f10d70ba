import type { InboundMedia } from '@wabridge/schemas'

/** The newest InboundMedia records this instance published, by media id, at most `max` (the oldest go first). */
export interface RecentMedia {
  add (records: InboundMedia[]): void
  get (mediaId: string): InboundMedia | undefined
  readonly size: number
}

export function createRecentMedia (max: number): RecentMedia {
  const byId = new Map<string, InboundMedia>()
  return {
    add (records) {
      for (const r of records) {
        byId.delete(r.media_id)
        byId.set(r.media_id, r)
        if (byId.size > max) byId.delete(byId.keys().next().value as string)
      }
    },
    get: (id) => byId.get(id),
    get size () { return byId.size }
  }
}
