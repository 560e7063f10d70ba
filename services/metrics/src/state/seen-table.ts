/**
 * The dedup and status-lattice entries of one partition (`s|{digest}`) in typed arrays, with a
 * hard capacity: 17 bytes a slot (three key words and a time in one 16-byte cell, the flags beside)
 * where a `Map<string, { flags, t }>` costs over 100 bytes an entry.
 *
 * - Keys are 96-bit digests written as 16 base64url characters (`digest()` in keys.ts), held as three
 *   uint32 words; `entries()` writes them back exactly as given.
 * - Open addressing with linear probing; deletion by backward shift (no tombstones), so a table
 *   that churns for days probes as well as a fresh one. A probe reads one 16-byte cell per slot (key
 *   and time together: one cache line), and the flags only on a hit.
 * - Times are held in whole seconds, rounded UP from the ms given: an entry never expires early (it
 *   may stay up to 1 s longer), and `get()` returns `seconds * 1000`. Rounding twice changes nothing,
 *   so a value read back from the changelog lands on the same second. The cell holds seconds + 1:
 *   0 marks an empty slot, so every flag value 0..255 can be stored.
 * - The table starts small (256 slots, 4.25 KiB) and doubles at load 0.7, up to the slots `capacity`
 *   needs at load 0.7 (not rounded up to a power of two), so `capacity` bounds memory too: at most
 *   17 / 0.7 ≈ 24.3 bytes per entry of capacity (plus 4.25 KiB for small ones). When a new id
 *   arrives at `capacity`, the oldest 10 % by time are evicted (reported through `onEvict`, counted
 *   in `evicted`; `evictedUpTo` is the newest time evicted so far).
 *
 * Not safe to modify while iterating `entries()` (a deletion shifts entries between slots): collect
 * first, or use `expireBefore()`, which deletes as it scans. Callbacks (`onEvict`, `expireBefore`'s)
 * may read the table but must not modify it.
 */

export interface SeenEntry {
  flags: number
  /** Event time of the last change, epoch ms (drives expiry). */
  t: number
}

export interface SeenTableOptions {
  /** Most entries held; when full, the oldest (by t) ~10 % are evicted to make room. Default 2_000_000. */
  capacity?: number
  /** Called for every id evicted by capacity (not by expireBefore), so the caller writes a tombstone. */
  onEvict?: (id: string) => void
}

export const DEFAULT_SEEN_CAPACITY = 2_000_000
/** Largest capacity accepted (3.1 GiB when full). */
export const MAX_SEEN_CAPACITY = 2 ** 27

const MIN_SLOTS = 256
const MAX_LOAD = 0.7
/** After expiry, a table this sparse is rebuilt at half its largest load (so it does not shrink and grow in turn). */
const SHRINK_LOAD = 0.15
const EVICT_SHARE = 0.1
/** Histogram buckets per pass when looking for the eviction cutoff: two passes for spans up to ~8 years at 1 s. */
const HISTOGRAM_BUCKETS = 16_384
/** Held as seconds + 1 in a uint32 (0 = empty slot): up to 2106-02-07. */
const MAX_SECONDS = 0xffff_fffe

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const ENCODE = Array.from(ALPHABET, (c) => c.charCodeAt(0))
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

// The words of the id last passed to decode(): module scratch, so lookups allocate nothing.
const K = new Uint32Array(3)

function invalidId (id: unknown): Error {
  return new Error(`SeenTable: an id must be a 96-bit digest as 16 base64url characters, got ${JSON.stringify(id)}`)
}

function sextet (id: string, i: number): number {
  const c = id.charCodeAt(i)
  const v = c < 128 ? DECODE[c]! : -1
  if (v < 0) throw invalidId(id)
  return v
}

function group (id: string, i: number): number {
  return (sextet(id, i) << 18) | (sextet(id, i + 1) << 12) | (sextet(id, i + 2) << 6) | sextet(id, i + 3)
}

/**
 * Sets K to the id's 12 bytes as three big-endian words (what Buffer.from(id, 'base64url')
 * gives), or throws. Decoded by hand: no allocation, and Buffer would skip bad characters silently.
 */
function decode (id: string): void {
  if (typeof id !== 'string' || id.length !== 16) throw invalidId(id)
  const g0 = group(id, 0)
  const g1 = group(id, 4)
  const g2 = group(id, 8)
  const g3 = group(id, 12)
  K[0] = (g0 << 8) | (g1 >>> 16)
  K[1] = ((g1 & 0xffff) << 16) | (g2 >>> 8)
  K[2] = ((g2 & 0xff) << 24) | g3
}

function encode (w0: number, w1: number, w2: number): string {
  const g0 = w0 >>> 8
  const g1 = ((w0 & 0xff) << 16) | (w1 >>> 16)
  const g2 = ((w1 & 0xffff) << 8) | (w2 >>> 24)
  const g3 = w2 & 0xff_ffff
  return String.fromCharCode(
    ENCODE[g0 >>> 18]!, ENCODE[(g0 >>> 12) & 63]!, ENCODE[(g0 >>> 6) & 63]!, ENCODE[g0 & 63]!,
    ENCODE[g1 >>> 18]!, ENCODE[(g1 >>> 12) & 63]!, ENCODE[(g1 >>> 6) & 63]!, ENCODE[g1 & 63]!,
    ENCODE[g2 >>> 18]!, ENCODE[(g2 >>> 12) & 63]!, ENCODE[(g2 >>> 6) & 63]!, ENCODE[g2 & 63]!,
    ENCODE[g3 >>> 18]!, ENCODE[(g3 >>> 12) & 63]!, ENCODE[(g3 >>> 6) & 63]!, ENCODE[g3 & 63]!
  )
}

/**
 * Mixes all three words (murmur3's finaliser): digests are uniform already, but an id that is not
 * one (all-'A' prefixes, counters) must not pile up on one slot.
 */
function hash (w0: number, w1: number, w2: number): number {
  let h = w0 ^ Math.imul(w1, 0x9e37_79b1) ^ Math.imul(w2, 0x85eb_ca77)
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35)
  return h ^ (h >>> 16)
}

function toSeconds (tMs: number): number {
  const s = Math.ceil(tMs / 1000)
  if (!(s >= 0 && s <= MAX_SECONDS)) throw new RangeError(`SeenTable: t must be epoch ms from 1970 to 2106, got ${tMs}`)
  return s
}

/** The fewest slots (at least MIN_SLOTS) that hold `entries` at `load`. */
function slotsFor (entries: number, load: number): number {
  let slots = Math.max(MIN_SLOTS, Math.ceil(entries / load))
  while (Math.floor(slots * load) < entries) slots++
  return slots
}

/**
 * The home slot of hash `h` among `slots`: floor(h * slots / 2^32) (Lemire's multiply-shift, so the
 * slot count need not be a power of two), computed in 16-bit halves to stay exact in a double.
 */
function homeOf (h: number, slots: number): number {
  const high = (h >>> 16) * slots
  const low = (h & 0xffff) * slots
  return Math.floor((high + Math.floor(low / 65_536)) / 65_536)
}

export class SeenTable {
  readonly #capacity: number
  readonly #onEvict: ((id: string) => void) | undefined
  /** Slots the capacity needs at MAX_LOAD: the table never grows past them. */
  readonly #maxSlots: number
  /** Four words a slot: the id's three words, then its time in seconds + 1 (0: the slot is empty). */
  #cells: Uint32Array
  #flags: Uint8Array
  #growAt: number
  #size = 0
  #evicted = 0
  #evictedUpTo: number | undefined

  constructor (options: SeenTableOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_SEEN_CAPACITY
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_SEEN_CAPACITY) {
      throw new RangeError(`SeenTable: capacity must be an integer from 1 to ${MAX_SEEN_CAPACITY}, got ${capacity}`)
    }
    this.#capacity = capacity
    this.#onEvict = options.onEvict
    this.#maxSlots = slotsFor(capacity, MAX_LOAD)
    this.#cells = new Uint32Array(MIN_SLOTS * 4)
    this.#flags = new Uint8Array(MIN_SLOTS)
    this.#growAt = Math.floor(MIN_SLOTS * MAX_LOAD)
  }

  get size (): number { return this.#size }

  get capacity (): number { return this.#capacity }

  /** Entries evicted by capacity so far (before their TTL). */
  get evicted (): number { return this.#evicted }

  /** The t of the newest entry ever evicted by capacity (the effective dedup horizon), or undefined. */
  get evictedUpTo (): number | undefined {
    return this.#evictedUpTo === undefined ? undefined : this.#evictedUpTo * 1000
  }

  /** Entries whose time is at or after `ms` (epoch ms), counted without building their ids. */
  countAtOrAfter (ms: number): number {
    const cells = this.#cells
    let n = 0
    for (let b = 3; b < cells.length; b += 4) {
      const c = cells[b]!
      if (c !== 0 && (c - 1) * 1000 >= ms) n++
    }
    return n
  }

  /** Approximate bytes held (typed arrays), for a gauge. */
  get bytes (): number {
    return this.#cells.byteLength + this.#flags.byteLength
  }

  get (id: string): SeenEntry | undefined {
    decode(id)
    const i = this.#find()
    return i < 0 ? undefined : { flags: this.#flags[i]!, t: (this.#cells[i * 4 + 3]! - 1) * 1000 }
  }

  has (id: string): boolean {
    decode(id)
    return this.#find() >= 0
  }

  /** Adds or replaces an entry. `flags` 0..255; `t` epoch ms, held in seconds rounded up. */
  set (id: string, flags: number, t: number): void {
    if (!Number.isInteger(flags) || flags < 0 || flags > 255) throw new RangeError(`SeenTable: flags must be an integer from 0 to 255, got ${flags}`)
    const cell = toSeconds(t) + 1
    decode(id)
    let i = this.#find()
    if (i >= 0) {
      this.#flags[i] = flags
      this.#cells[i * 4 + 3] = cell
      return
    }
    if (this.#size >= this.#capacity || this.#size >= this.#growAt) {
      const w0 = K[0]!
      const w1 = K[1]!
      const w2 = K[2]!
      if (this.#size >= this.#capacity) this.#evictOldest()
      // The size stays within capacity, and #maxSlots holds capacity below MAX_LOAD: growing is always allowed here.
      if (this.#size >= this.#growAt) this.#rehash(Math.min(this.#flags.length * 2, this.#maxSlots))
      K[0] = w0
      K[1] = w1
      K[2] = w2
      i = this.#find()
    }
    const slot = ~i
    const b = slot * 4
    this.#cells[b] = K[0]!
    this.#cells[b + 1] = K[1]!
    this.#cells[b + 2] = K[2]!
    this.#cells[b + 3] = cell
    this.#flags[slot] = flags
    this.#size++
  }

  delete (id: string): boolean {
    decode(id)
    const i = this.#find()
    if (i < 0) return false
    this.#removeAt(i)
    return true
  }

  /** Deletes every entry with t < cutoffMs, calling onDelete(id) for each. */
  expireBefore (cutoffMs: number, onDelete: (id: string) => void): void {
    if (Number.isNaN(cutoffMs)) throw new RangeError('SeenTable: expireBefore needs a cutoff, got NaN')
    // t is held as whole seconds s; s * 1000 < cutoffMs exactly when s < ceil(cutoffMs / 1000).
    const cutoff = Math.ceil(cutoffMs / 1000)
    this.#removeWhere((s) => s < cutoff, onDelete)
    if (this.#flags.length > MIN_SLOTS && this.#size < this.#flags.length * SHRINK_LOAD) {
      this.#rehash(slotsFor(this.#size, MAX_LOAD / 2))
    }
  }

  /** Every entry as [id, entry]; ids exactly as given to set(). */
  * entries (): IterableIterator<[string, SeenEntry]> {
    const cells = this.#cells
    const flags = this.#flags
    for (let i = 0; i < flags.length; i++) {
      const b = i * 4
      if (cells[b + 3] === 0) continue
      yield [encode(cells[b]!, cells[b + 1]!, cells[b + 2]!), { flags: flags[i]!, t: (cells[b + 3]! - 1) * 1000 }]
    }
  }

  [Symbol.iterator] (): IterableIterator<[string, SeenEntry]> {
    return this.entries()
  }

  /**
   * An independent copy with the same entries, capacity and eviction counts. It reports evictions
   * to `onEvict`, by default this table's: pass another when the copy serves another owner.
   */
  clone (onEvict = this.#onEvict): SeenTable {
    const copy = new SeenTable({ capacity: this.#capacity, onEvict })
    copy.#cells = this.#cells.slice()
    copy.#flags = this.#flags.slice()
    copy.#growAt = this.#growAt
    copy.#size = this.#size
    copy.#evicted = this.#evicted
    copy.#evictedUpTo = this.#evictedUpTo
    return copy
  }

  /** The slot holding the id in K, or ~slot of the empty slot where it would go. */
  #find (): number {
    const cells = this.#cells
    const slots = this.#flags.length
    const k0 = K[0]!
    const k1 = K[1]!
    const k2 = K[2]!
    let i = homeOf(hash(k0, k1, k2), slots)
    for (;;) {
      const b = i * 4
      if (cells[b + 3] === 0) return ~i
      if (cells[b] === k0 && cells[b + 1] === k1 && cells[b + 2] === k2) return i
      i = i + 1 === slots ? 0 : i + 1
    }
  }

  /** Empties slot i and shifts back the entries after it that may move, so no probe run is cut. */
  #removeAt (i: number): void {
    const cells = this.#cells
    const flags = this.#flags
    const slots = flags.length
    let hole = i
    let j = i
    for (;;) {
      j = j + 1 === slots ? 0 : j + 1
      const b = j * 4
      if (cells[b + 3] === 0) break
      const home = homeOf(hash(cells[b]!, cells[b + 1]!, cells[b + 2]!), slots)
      // The entry at j may fill the hole unless its home lies after the hole (cyclically, up to j).
      const fromHome = j >= home ? j - home : j - home + slots
      const fromHole = j >= hole ? j - hole : j - hole + slots
      if (fromHome < fromHole) continue
      cells.copyWithin(hole * 4, b, b + 4)
      flags[hole] = flags[j]!
      hole = j
    }
    cells[hole * 4 + 3] = 0
    flags[hole] = 0
    this.#size--
  }

  /**
   * Removes every entry whose time (seconds) `remove` accepts, calling `onRemoved` with its id.
   * Scans the slots once: after a removal the same slot is looked at again, since the backward shift
   * may have moved a later entry into it (entries moved from the start of the array by a run that
   * wraps were looked at already, and looking again decides the same).
   */
  #removeWhere (remove: (seconds: number) => boolean, onRemoved: (id: string) => void): number {
    const cells = this.#cells
    const slots = this.#flags.length
    let removed = 0
    for (let i = 0; i < slots;) {
      const b = i * 4
      if (cells[b + 3] === 0 || !remove(cells[b + 3]! - 1)) { i++; continue }
      const id = encode(cells[b]!, cells[b + 1]!, cells[b + 2]!)
      this.#removeAt(i)
      removed++
      onRemoved(id)
    }
    return removed
  }

  /**
   * Evicts the oldest 10 % (at least one entry): finds the smallest time c with at least that many
   * entries at or before it (histograms over the table, narrowing to one second), removes every
   * entry older than c and as many at c as the share still needs.
   */
  #evictOldest (): void {
    const target = Math.max(1, Math.ceil(this.#size * EVICT_SHARE))
    const { cutoff, below } = this.#cutoffFor(target)
    let ties = target - below
    const removed = this.#removeWhere((s) => {
      if (s < cutoff) return true
      if (s === cutoff && ties > 0) { ties--; return true }
      return false
    }, (id) => this.#onEvict?.(id))
    this.#evicted += removed
    // c is the smallest time with `target` entries at or before it: at least one entry at c went.
    if (this.#evictedUpTo === undefined || cutoff > this.#evictedUpTo) this.#evictedUpTo = cutoff
  }

  /** The smallest time c (seconds) with at least `target` entries at or before it, and how many are before it. */
  #cutoffFor (target: number): { cutoff: number, below: number } {
    const cells = this.#cells
    let lo = MAX_SECONDS
    let hi = 0
    for (let b = 3; b < cells.length; b += 4) {
      if (cells[b] === 0) continue
      const s = cells[b]! - 1
      if (s < lo) lo = s
      if (s > hi) hi = s
    }
    let below = 0
    while (lo < hi) {
      const width = Math.ceil((hi - lo + 1) / HISTOGRAM_BUCKETS)
      const counts = new Uint32Array(Math.ceil((hi - lo + 1) / width))
      for (let b = 3; b < cells.length; b += 4) {
        if (cells[b] === 0) continue
        const s = cells[b]! - 1
        if (s >= lo && s <= hi) counts[Math.floor((s - lo) / width)]!++
      }
      let k = 0
      while (below + counts[k]! < target) below += counts[k++]!
      lo += k * width
      hi = Math.min(hi, lo + width - 1)
    }
    return { cutoff: lo, below }
  }

  /** Moves every entry into `slots` fresh slots. */
  #rehash (slots: number): void {
    const oldCells = this.#cells
    const oldFlags = this.#flags
    const cells = new Uint32Array(slots * 4)
    const flags = new Uint8Array(slots)
    for (let j = 0; j < oldFlags.length; j++) {
      const b = j * 4
      if (oldCells[b + 3] === 0) continue
      let i = homeOf(hash(oldCells[b]!, oldCells[b + 1]!, oldCells[b + 2]!), slots)
      while (cells[i * 4 + 3] !== 0) i = i + 1 === slots ? 0 : i + 1
      cells.set(oldCells.subarray(b, b + 4), i * 4)
      flags[i] = oldFlags[j]!
    }
    this.#cells = cells
    this.#flags = flags
    this.#growAt = Math.floor(slots * MAX_LOAD)
  }
}
