import type { StatusEvidence } from './status-evidence.ts'

export interface EvidenceStoreOptions {
  /** How long evidence is kept after this process saw it, ms. */
  windowMs: number
  /** Most entries kept; past it the oldest is dropped (and counted). Evidence of watched ids is not counted. */
  maxEntries: number
  clock: () => number
}

export interface EvidenceStoreStats {
  /** Evidence held within the window. */
  entries: number
  /** Request ids with at least one watcher. */
  watched: number
  /** Entries dropped before their window ended because the store was full. */
  dropped: number
  /** Entries removed because their window ended. */
  expired: number
}

export interface EvidenceStore {
  /** Keeps `e` unless its request already has evidence (the first deciding status wins) and calls the request's watchers. Returns whether it was kept. */
  add(e: StatusEvidence): boolean
  get(requestId: string): StatusEvidence | undefined
  /** Calls `onEvidence` once, when evidence for `requestId` is added (at once, synchronously, when it is already known). */
  watch(requestId: string, onEvidence: (e: StatusEvidence) => void): () => void
  stats(): EvidenceStoreStats
}

interface Watcher { onEvidence: (e: StatusEvidence) => void, called: boolean }

/**
 * Deciding evidence per request id. Entries are kept in a Map in insertion order, which is the order
 * of seenAt (the clock only moves forward), so the window is enforced by deleting from the front.
 * Evidence of a watched request id is moved aside instead of being pruned or dropped, and lives
 * until its last watcher unsubscribes.
 */
export function createEvidenceStore (options: EvidenceStoreOptions): EvidenceStore {
  const entries = new Map<string, StatusEvidence>()
  const pinned = new Map<string, StatusEvidence>()
  const watchers = new Map<string, Set<Watcher>>()
  let dropped = 0
  let expired = 0

  function evict (requestId: string, e: StatusEvidence): void {
    entries.delete(requestId)
    if (watchers.has(requestId)) pinned.set(requestId, e)
  }

  function prune (): void {
    const cutoff = options.clock() - options.windowMs
    for (const [requestId, e] of entries) {
      if (e.seenAt > cutoff) break
      evict(requestId, e)
      expired++
    }
  }

  function notify (e: StatusEvidence): void {
    for (const w of watchers.get(e.requestId) ?? []) {
      if (w.called) continue
      w.called = true
      w.onEvidence(e)
    }
  }

  function get (requestId: string): StatusEvidence | undefined {
    prune()
    return entries.get(requestId) ?? pinned.get(requestId)
  }

  return {
    add (e) {
      if (get(e.requestId)) return false
      entries.set(e.requestId, e)
      if (entries.size > options.maxEntries) {
        const [oldestId, oldest] = entries.entries().next().value as [string, StatusEvidence]
        evict(oldestId, oldest)
        dropped++
      }
      notify(e)
      return true
    },
    get,
    watch (requestId, onEvidence) {
      const watcher: Watcher = { onEvidence, called: false }
      const set = watchers.get(requestId) ?? new Set()
      set.add(watcher)
      watchers.set(requestId, set)
      const known = get(requestId)
      if (known) {
        watcher.called = true
        onEvidence(known)
      }
      return () => {
        set.delete(watcher)
        if (set.size === 0 && watchers.get(requestId) === set) {
          watchers.delete(requestId)
          pinned.delete(requestId)
        }
      }
    },
    stats: () => ({ entries: entries.size, watched: watchers.size, dropped, expired })
  }
}
