import { createCallbackIndex } from './callback-index.ts'

/** One message the sim accepted. `acceptedAt` is from the sim's clock (ms). */
export interface AcceptedMessage {
  /** 1, 2, 3 … in accept order, never reused (not even after reset): a paging cursor. */
  seq: number
  phoneNumberId: string
  to: string
  waId: string
  type: string
  wamid: string
  bizOpaqueCallbackData?: string
  apiVersion: string
  acceptedAt: number
  /** The sender's User-Agent header. */
  userAgent?: string
  /** The fault that replaced the success answer: the caller got an error, a timeout or a dropped connection. */
  fault?: 'error' | 'timeout' | 'reset'
  /** Accepted, then failed with this code instead of delivered (131048 messaging limit, 131049, 131050). */
  failedWith?: number
  body: Record<string, unknown>
}

/** An accepted message without its body: what a fault-injection harness counts. */
export type AcceptedSend = Omit<AcceptedMessage, 'body' | 'apiVersion' | 'type' | 'waId'>

/** A request the sim answered with an error and did not accept. */
export interface RefusedRequest {
  phoneNumberId: string
  to?: string
  /** Meta's error code; absent for an injected error without Meta's envelope (a proxy's page). */
  code?: number
  httpStatus: number
  userAgent?: string
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
  userAgent?: string
  since?: number
  until?: number
  limit?: number
}

/** Messages accepted more than once with the same biz_opaque_callback_data, in accept order. */
export interface DuplicateGroup {
  bizOpaqueCallbackData: string
  count: number
  wamids: string[]
  sends: AcceptedSend[]
}

/** Everything the sim did, kept in memory (the oldest entries are dropped past `maxRecords`). */
export interface Recorder {
  accepted: AcceptedMessage[]
  refused: RefusedRequest[]
  reads: ReadReceipt[]
  inbound: InboundRecord[]
  /** Records an accepted message, giving it the next `seq`. */
  accept (message: Omit<AcceptedMessage, 'seq'>): AcceptedMessage
  add<K extends 'refused' | 'reads' | 'inbound'> (list: K, item: Recorder[K][number]): void
  filter (filter: MessageFilter): AcceptedMessage[]
  /** Accepted messages with `seq` > `afterSeq`, oldest first, at most `limit`. */
  page (afterSeq: number, limit: number): AcceptedMessage[]
  /** How many accepted messages carry this biz_opaque_callback_data (constant time). */
  countFor (bizOpaqueCallbackData: string): number
  /** Accepted messages beyond the first per biz_opaque_callback_data, and distinct values (constant time). */
  callbackTotals (): { duplicates: number, distinct: number }
  maxInWindow (phoneNumberId: string, windowMs: number, includeInbound: boolean): number
  duplicates (): DuplicateGroup[]
  clear (): void
}

/** The body-less view of an accepted message. */
export function toAcceptedSend (m: AcceptedMessage): AcceptedSend {
  const { body: _body, apiVersion: _v, type: _t, waId: _w, ...send } = m
  return send
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

/** The index of the first message with `seq` > afterSeq in a list sorted by seq. */
function firstAfter (list: readonly AcceptedMessage[], afterSeq: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as AcceptedMessage).seq <= afterSeq) lo = mid + 1
    else hi = mid
  }
  return lo
}

export function createRecorder (maxRecords: number): Recorder {
  const byCallback = createCallbackIndex()
  let seq = 0
  // Drop the oldest tenth at once so trimming stays amortized O(1).
  const trim = <T>(arr: T[]): T[] => arr.length > maxRecords ? arr.splice(0, Math.ceil(maxRecords / 10)) : []
  const r: Recorder = {
    accepted: [],
    refused: [],
    reads: [],
    inbound: [],
    accept (message) {
      const m: AcceptedMessage = { seq: ++seq, ...message }
      r.accepted.push(m)
      byCallback.add(m.bizOpaqueCallbackData)
      for (const old of trim(r.accepted)) byCallback.remove(old.bizOpaqueCallbackData)
      return m
    },
    add (list, item) {
      const arr = r[list] as Array<typeof item>
      arr.push(item)
      trim(arr)
    },
    filter (f) {
      const to = f.to === undefined ? undefined : digits(f.to)
      const out = r.accepted.filter((m) =>
        (f.phoneNumberId === undefined || m.phoneNumberId === f.phoneNumberId) &&
        (to === undefined || m.waId === to) &&
        (f.type === undefined || m.type === f.type) &&
        (f.bizOpaqueCallbackData === undefined || m.bizOpaqueCallbackData === f.bizOpaqueCallbackData) &&
        (f.userAgent === undefined || m.userAgent === f.userAgent) &&
        (f.since === undefined || m.acceptedAt >= f.since) &&
        (f.until === undefined || m.acceptedAt <= f.until))
      return f.limit === undefined ? out : out.slice(0, f.limit)
    },
    page (afterSeq, limit) {
      const from = firstAfter(r.accepted, afterSeq)
      return r.accepted.slice(from, from + limit)
    },
    countFor: (key) => byCallback.counts.get(key) ?? 0,
    callbackTotals: () => ({ duplicates: byCallback.duplicates, distinct: byCallback.counts.size }),
    maxInWindow (phoneNumberId, windowMs, includeInbound) {
      const times = r.accepted.filter((m) => m.phoneNumberId === phoneNumberId).map((m) => m.acceptedAt)
      if (includeInbound) for (const i of r.inbound) if (i.phoneNumberId === phoneNumberId) times.push(i.at)
      return maxInSlidingWindow(times.sort((a, b) => a - b), windowMs)
    },
    duplicates () {
      const groups = new Map<string, AcceptedMessage[]>()
      for (const m of r.accepted) {
        const key = m.bizOpaqueCallbackData
        // The index skips the (usual) single sends without building a group for each.
        if (key === undefined || r.countFor(key) < 2) continue
        const g = groups.get(key)
        if (g) g.push(m)
        else groups.set(key, [m])
      }
      return [...groups].map(([key, ms]) => ({ bizOpaqueCallbackData: key, count: ms.length, wamids: ms.map((m) => m.wamid), sends: ms.map(toAcceptedSend) }))
    },
    clear () {
      r.accepted.length = 0
      r.refused.length = 0
      r.reads.length = 0
      r.inbound.length = 0
      byCallback.clear()
    }
  }
  return r
}
