/** The most recent `capacity` ids, oldest forgotten first: the dedup window of a subscription. */
export interface SeenIds {
  has (id: string): boolean
  add (id: string): void
  readonly size: number
}

export function createSeenIds (capacity: number): SeenIds {
  const ids = new Set<string>()
  return {
    has: (id) => ids.has(id),
    add (id) {
      // Re-adding moves the id to the young end (a Set iterates in insertion order).
      ids.delete(id)
      ids.add(id)
      if (ids.size > capacity) ids.delete(ids.values().next().value!)
    },
    get size () { return ids.size }
  }
}
