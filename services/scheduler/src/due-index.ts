import { Heap } from 'heap-js'
import type { PendingEntry } from './records.ts'

const byDue = (a: PendingEntry, b: PendingEntry) => a.sendAt - b.sendAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The pending requests of one partition that are kept in memory: every live entry due before
 * `boundary` is here (the invariant), none at or after it. Entries are removed from the heap lazily
 * (a heap item counts only while the map still holds that very object).
 */
export class DueIndex {
  readonly #entries = new Map<string, PendingEntry>()
  readonly #heap = new Heap<PendingEntry>(byDue)
  #boundary: number
  readonly #maxEntries: number

  constructor (options: { boundary: number, maxEntries: number, entries?: Iterable<PendingEntry> }) {
    this.#boundary = options.boundary
    this.#maxEntries = options.maxEntries
    const all = [...options.entries ?? []]
    for (const e of all) this.#entries.set(e.id, e)
    this.#heap.init(all)
  }

  /** Entries due before this are all in memory; later ones are only in Kafka. */
  get boundary (): number { return this.#boundary }
  get size (): number { return this.#entries.size }
  get (id: string): PendingEntry | undefined { return this.#entries.get(id) }
  entries (): IterableIterator<PendingEntry> { return this.#entries.values() }
  has (id: string): boolean { return this.#entries.has(id) }

  /** Adds (or replaces) an entry that is pending in Kafka; one due at or after `limit` is not kept and lowers the boundary. */
  put (entry: PendingEntry, limit: number): boolean {
    this.remove(entry.id)
    if (entry.sendAt >= Math.min(this.#boundary, limit)) {
      this.#boundary = Math.min(this.#boundary, entry.sendAt)
      return false
    }
    this.#entries.set(entry.id, entry)
    this.#heap.push(entry)
    if (this.#entries.size > this.#maxEntries * 1.1) this.#trim()
    return true
  }

  remove (id: string): PendingEntry | undefined {
    const e = this.#entries.get(id)
    if (e) this.#entries.delete(id)
    return e
  }

  /** The earliest live entry. */
  peek (): PendingEntry | undefined {
    for (let top = this.#heap.peek(); top; top = this.#heap.peek()) {
      if (this.#entries.get(top.id) === top) return top
      this.#heap.pop()
    }
    return undefined
  }

  /** Takes (removes) up to `max` entries due at or before `now`, earliest first, stopping once their values reach `maxBytes`. */
  takeDue (now: number, max: number, maxBytes = Infinity): PendingEntry[] {
    const out: PendingEntry[] = []
    let bytes = 0
    while (out.length < max && bytes < maxBytes) {
      const top = this.peek()
      if (!top || top.sendAt > now) break
      this.#heap.pop()
      this.#entries.delete(top.id)
      out.push(top)
      bytes += top.value.length
    }
    return out
  }

  /** Keeps the earliest maxEntries (intake of earlier entries filled memory); the boundary drops to the first one let go. */
  #trim (): void {
    const sorted = [...this.#entries.values()].sort(byDue)
    const dropped = sorted.slice(this.#maxEntries)
    for (const e of dropped) this.#entries.delete(e.id)
    if (dropped.length > 0) this.#boundary = Math.min(this.#boundary, dropped[0]!.sendAt)
    this.#heap.init(sorted.slice(0, this.#maxEntries))
  }
}

/**
 * Collects, while the pending partition is read from its start, the live entries due earliest at or
 * after `floor` (at most maxEntries, none due at or after `limit`), with a max-heap so memory stays
 * bounded whatever the partition holds. Entries due before the floor are already in memory (a rescan
 * passes the index's boundary as floor). The boundary is the earliest due time of anything seen and
 * not kept: every live entry due in [floor, boundary) is collected.
 */
export class ScanCollector {
  readonly #entries = new Map<string, PendingEntry>()
  readonly #heap = new Heap<PendingEntry>((a, b) => byDue(b, a))
  #boundary = Infinity
  #stale = 0
  #evicted = 0
  readonly #maxEntries: number
  readonly #limit: number
  readonly #floor: number

  constructor (options: { maxEntries: number, limit: number, floor: number }) {
    this.#maxEntries = options.maxEntries
    this.#limit = options.limit
    this.#floor = options.floor
  }

  get boundary (): number { return this.#boundary }
  get size (): number { return this.#entries.size }
  /** Entries let go because maxEntries were kept (the boundary comes from capacity, not from the limit). */
  get evicted (): number { return this.#evicted }
  entries (): IterableIterator<PendingEntry> { return this.#entries.values() }

  /** A pending record (the latest for its id so far); `build` makes its entry only when it is kept. */
  offer (id: string, sendAt: number, build: () => PendingEntry): void {
    this.remove(id)
    if (sendAt < this.#floor) return
    if (sendAt >= Math.min(this.#limit, this.#boundary)) {
      this.#boundary = Math.min(this.#boundary, sendAt)
      return
    }
    if (this.#entries.size >= this.#maxEntries) {
      // Full: an entry due after the latest kept one would be let go at once.
      const top = this.#peekMax()
      if (top && byDue({ id, sendAt } as PendingEntry, top) > 0) {
        this.#boundary = Math.min(this.#boundary, sendAt)
        this.#evicted++
        return
      }
    }
    const entry = build()
    this.#entries.set(entry.id, entry)
    this.#heap.push(entry)
    while (this.#entries.size > this.#maxEntries) {
      const top = this.#heap.pop()!
      if (this.#entries.get(top.id) !== top) { this.#stale--; continue }
      this.#entries.delete(top.id)
      this.#evicted++
      this.#boundary = Math.min(this.#boundary, top.sendAt)
    }
  }

  #peekMax (): PendingEntry | undefined {
    for (let top = this.#heap.peek(); top; top = this.#heap.peek()) {
      if (this.#entries.get(top.id) === top) return top
      this.#heap.pop()
      this.#stale--
    }
    return undefined
  }

  /** A released or cancelled marker, or a tombstone: the id is no longer pending. */
  remove (id: string): void {
    if (!this.#entries.delete(id)) return
    // Stale heap items are dropped when popped; rebuild when they outnumber the live ones.
    if (++this.#stale > this.#entries.size + 1000) {
      this.#heap.init([...this.#entries.values()])
      this.#stale = 0
    }
  }
}
