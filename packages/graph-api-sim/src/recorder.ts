/** One message the sim accepted. `acceptedAt` is from the sim's clock (ms). */
export interface AcceptedMessage {
  phoneNumberId: string
  to: string
  waId: string
  type: string
  wamid: string
  bizOpaqueCallbackData?: string
  apiVersion: string
  acceptedAt: number
  body: Record<string, unknown>
}

/** A request the sim answered with an error. */
export interface RefusedRequest {
  phoneNumberId: string
  to?: string
  code: number
  at: number
}

/** A successful mark-as-read. */
export interface ReadReceipt {
  phoneNumberId: string
  messageId: string
  typingIndicator: boolean
  at: number
}

/** An inbound customer message the sim generated. */
export interface InboundRecord {
  phoneNumberId: string
  from: string
  wamid: string
  at: number
}

/** Filters of accepted(); every given field must match. Times are inclusive. */
export interface MessageFilter {
  phoneNumberId?: string
  to?: string
  type?: string
  bizOpaqueCallbackData?: string
  since?: number
  until?: number
  limit?: number
}

/** Messages accepted more than once with the same biz_opaque_callback_data. */
export interface DuplicateGroup {
  bizOpaqueCallbackData: string
  count: number
  wamids: string[]
}

/** Everything the sim did, kept in memory (the oldest entries are dropped past `maxRecords`). */
export interface Recorder {
  accepted: AcceptedMessage[]
  refused: RefusedRequest[]
  reads: ReadReceipt[]
  inbound: InboundRecord[]
  add<K extends 'accepted' | 'refused' | 'reads' | 'inbound'> (list: K, item: Recorder[K][number]): void
  filter (filter: MessageFilter): AcceptedMessage[]
  maxInWindow (phoneNumberId: string, windowMs: number, includeInbound: boolean): number
  duplicates (): DuplicateGroup[]
  clear (): void
}

const digits = (s: string): string => s.replace(/\D/g, '')

/** Largest number of times falling in any half-open window (t - windowMs, t]; `times` sorted. */
export function maxInSlidingWindow (times: readonly number[], windowMs: number): number {
  let best = 0
  let lo = 0
  for (let hi = 0; hi < times.length; hi++) {
    const t = times[hi] as number
    while ((times[lo] as number) <= t - windowMs) lo++
    best = Math.max(best, hi - lo + 1)
  }
  return best
}

export function createRecorder (maxRecords: number): Recorder {
  const r: Recorder = {
    accepted: [],
    refused: [],
    reads: [],
    inbound: [],
    add (list, item) {
      const arr = r[list] as Array<typeof item>
      arr.push(item)
      // Drop the oldest tenth at once so trimming stays amortized O(1).
      if (arr.length > maxRecords) arr.splice(0, Math.ceil(maxRecords / 10))
    },
    filter (f) {
      const to = f.to === undefined ? undefined : digits(f.to)
      const out = r.accepted.filter((m) =>
        (f.phoneNumberId === undefined || m.phoneNumberId === f.phoneNumberId) &&
        (to === undefined || m.waId === to) &&
        (f.type === undefined || m.type === f.type) &&
        (f.bizOpaqueCallbackData === undefined || m.bizOpaqueCallbackData === f.bizOpaqueCallbackData) &&
        (f.since === undefined || m.acceptedAt >= f.since) &&
        (f.until === undefined || m.acceptedAt <= f.until))
      return f.limit === undefined ? out : out.slice(0, f.limit)
    },
    maxInWindow (phoneNumberId, windowMs, includeInbound) {
      const times = r.accepted.filter((m) => m.phoneNumberId === phoneNumberId).map((m) => m.acceptedAt)
      if (includeInbound) for (const i of r.inbound) if (i.phoneNumberId === phoneNumberId) times.push(i.at)
      return maxInSlidingWindow(times.sort((a, b) => a - b), windowMs)
    },
    duplicates () {
      const groups = new Map<string, string[]>()
      for (const m of r.accepted) {
        if (m.bizOpaqueCallbackData === undefined) continue
        const g = groups.get(m.bizOpaqueCallbackData)
        if (g) g.push(m.wamid)
        else groups.set(m.bizOpaqueCallbackData, [m.wamid])
      }
      return [...groups].filter(([, w]) => w.length > 1).map(([b, w]) => ({ bizOpaqueCallbackData: b, count: w.length, wamids: w }))
    },
    clear () {
      r.accepted.length = 0
      r.refused.length = 0
      r.reads.length = 0
      r.inbound.length = 0
    }
  }
  return r
}
