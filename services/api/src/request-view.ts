import { WEBHOOK_RANK, type RequestEntry, type ResultView, type WebhookView } from './message-state.ts'

export interface RequestViewOptions {
  /** How long a request is kept after the view first saw it, ms. */
  windowMs: number
  /** Most requests kept; the first seen go first. */
  maxEntries: number
  clock: () => number
}

export interface RequestViewStats {
  entries: number
  /** Requests dropped because the view was full before they left the window. */
  evictedEarly: number
}

/** What a request record says (read back from the topic or produced here). */
export interface RequestFacts {
  requestId: string
  phoneNumberId: string
  to: string
  bodyHash: string
  /** Kafka timestamp of the record, epoch ms. */
  at: number
  /** The request's send_at, epoch ms; null when it has none. */
  sendAt: number | null
  /** The request's priority as written; null when it has none (interactive). */
  priority: string | null
  /**
   * Whether egress sends this record rather than forwarding it to the scheduler: a record of the
   * requests topic whose send_at is not later than its timestamp + 1 s (a released one is).
   */
  isDue: boolean
}

export interface RequestView {
  addRequest (facts: RequestFacts): void
  addResult (requestId: string, at: number, facts: { phoneNumberId: string, to: string, result: ResultView }): void
  addWebhook (requestId: string, at: number, facts: { phoneNumberId: string, webhook: WebhookView }): void
  get (requestId: string): RequestEntry | undefined
  stats (): RequestViewStats
}

/**
 * What the requests, scheduled, results and statuses topics say about each request id, bounded in time and
 * count. A Map keeps insertion order, so the oldest entries are at its front: each insert drops
 * those past the window, then the first seen while over maxEntries. Times are the records'
 * timestamps (capped at the clock), so history read at start ages like records seen live.
 */
export function createRequestView (options: RequestViewOptions): RequestView {
  const entries = new Map<string, RequestEntry>()
  let evictedEarly = 0

  function prune (now: number): void {
    for (const [id, entry] of entries) {
      if (entry.firstSeenAt > now - options.windowMs && entries.size <= options.maxEntries) break
      if (entry.firstSeenAt > now - options.windowMs) evictedEarly++
      entries.delete(id)
    }
  }

  function entryOf (requestId: string, at: number): RequestEntry {
    let entry = entries.get(requestId)
    if (!entry) {
      const now = options.clock()
      entry = {
        requestId,
        phoneNumberId: undefined,
        to: undefined,
        bodyHash: undefined,
        queuedAt: undefined,
        sendAt: undefined,
        priority: undefined,
        dueAt: undefined,
        result: undefined,
        webhook: undefined,
        firstSeenAt: Math.min(at, now)
      }
      entries.set(requestId, entry)
      prune(now)
    }
    return entry
  }

  return {
    addRequest (facts) {
      const entry = entryOf(facts.requestId, facts.at)
      // A scheduled request has a second record, its release (or egress's forward, then the release).
      if (facts.isDue) entry.dueAt ??= facts.at
      // The first record of an id is the request; a later one with the same id is a duplicate egress drops.
      if (entry.queuedAt !== undefined) return
      entry.phoneNumberId ??= facts.phoneNumberId
      entry.to ??= facts.to
      entry.bodyHash = facts.bodyHash
      entry.queuedAt = facts.at
      entry.sendAt = facts.sendAt ?? undefined
      entry.priority = facts.priority ?? 'interactive'
    },
    addResult (requestId, at, facts) {
      const entry = entryOf(requestId, at)
      entry.phoneNumberId ??= facts.phoneNumberId
      entry.to ??= facts.to
      // The latest result wins: a settlement record replaces the unknown before it.
      entry.result = facts.result
    },
    addWebhook (requestId, at, facts) {
      const entry = entryOf(requestId, at)
      entry.phoneNumberId ??= facts.phoneNumberId
      if (!entry.webhook || WEBHOOK_RANK[facts.webhook.status] > WEBHOOK_RANK[entry.webhook.status]) entry.webhook = facts.webhook
    },
    get: (requestId) => entries.get(requestId),
    stats: () => ({ entries: entries.size, evictedEarly })
  }
}
