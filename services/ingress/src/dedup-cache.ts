export interface DedupCacheOptions {
  /** How long an id is remembered, ms. */
  ttlMs: number
  /** Most ids remembered; adding one more forgets the oldest. */
  maxEntries: number
  /** Current time in ms (injected for tests). Default Date.now. */
  now?: () => number
}

export interface DedupCache {
  /** True when `id` was added less than ttlMs ago (and not pushed out since). */
  has(id: string): boolean
  /** Remembers `id` for ttlMs from now. */
  add(id: string): void
  readonly size: number
}

/**
 * A bounded, time-limited set of event ids: a ring of up to maxEntries slots in the order ids were
 * added (every entry lives exactly ttlMs, so the oldest slot always expires first) and a Map from
 * id to its slot. Adding frees expired slots from the front and, when the ring is full, the
 * oldest: O(1) per add, no timer. (Pruning by iterating the Map from its front instead costs
 * O(ids deleted so far) per add once the cache is full, since V8 skips deleted entries one by one
 * until it rehashes: hundreds of µs per add at 200,000 ids.)
 * Re-adding an id gives it a new slot at the back; the old one is skipped when it comes up.
 */
export function createDedupCache (options: DedupCacheOptions): DedupCache {
  const now = options.now ?? Date.now
  const maxEntries = Math.max(1, options.maxEntries)
  // The ring starts small and doubles up to maxEntries, so memory follows the ids actually held.
  let capacity = Math.min(maxEntries, 1024)
  let ids: Array<string | undefined> = new Array<string | undefined>(capacity)
  let expiries = new Float64Array(capacity)
  // id → sequence number of its current slot (slot index = sequence % capacity).
  const slots = new Map<string, number>()
  let head = 0
  let tail = 0

  function prune (at: number): void {
    while (head < tail && (tail - head >= maxEntries || expiries[head % capacity]! <= at)) {
      const index = head % capacity
      const id = ids[index]!
      if (slots.get(id) === head) slots.delete(id)
      ids[index] = undefined
      head++
    }
  }

  /** Doubles the ring (up to maxEntries) when it is full; fewer than capacity sequences map to distinct slots of the new one. */
  function growIfFull (): void {
    if (tail - head < capacity || capacity >= maxEntries) return
    const grown = Math.min(maxEntries, capacity * 2)
    const grownIds = new Array<string | undefined>(grown)
    const grownExpiries = new Float64Array(grown)
    for (let seq = head; seq < tail; seq++) {
      grownIds[seq % grown] = ids[seq % capacity]
      grownExpiries[seq % grown] = expiries[seq % capacity]!
    }
    ids = grownIds
    expiries = grownExpiries
    capacity = grown
  }

  return {
    has (id) {
      const seq = slots.get(id)
      if (seq === undefined) return false
      if (expiries[seq % capacity]! > now()) return true
      slots.delete(id)
      return false
    },
    add (id) {
      const at = now()
      prune(at)
      growIfFull()
      const index = tail % capacity
      ids[index] = id
      expiries[index] = at + options.ttlMs
      slots.set(id, tail++)
    },
    get size () { return slots.size }
  }
}
