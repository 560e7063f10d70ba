/**
 * The dedup and status-lattice entries of one partition (`s|{digest}`) in typed arrays, with a
 * hard capacity: about 17 bytes a slot (three key words, a time, the flags) where a
 * `Map<string, { flags, t }>` costs over 100 bytes an entry.
 *
 * - Keys are 96-bit digests written as 16 base64url characters (`digest()` in keys.ts), held as three
 *   uint32 words; `entries()` writes them back exactly as given.
 * - Open addressing with linear probing over a power-of-two number of slots; deletion by backward
 *   shift (no tombstones), so a table that churns for days probes as well as a fresh one. Flags 0
 *   marks an empty slot: callers always set flags ≥ 1 (the status lattice's bits, or SEEN_BIT).
 * - Times are held in whole seconds, rounded UP from the ms given: an entry never expires early (it
 *   may stay up to 1 s longer), and `get()` returns `seconds * 1000`. Rounding twice changes nothing,
 *   so a value read back from the changelog lands on the same second.
 * - The table starts small (256 slots, 4 KiB) and doubles at load 0.7, up to the slots `capacity`
 *   needs. When a new id arrives at `capacity`, the oldest 10 % by time are evicted (reported
 *   through `onEvict`, counted in `evicted`; `evictedUpTo` is the newest time evicted so far).
 *
 * Not safe to modify while iterating `entries()` (a deletion shifts entries between slots): collect
 * first, or use `expireBefore()`, which deletes as it scans. Callbacks must not modify the table.
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
/** Largest capacity accepted: its 2^28 slots take 4.25 GiB. */
export const MAX_SEEN_CAPACITY = 2 ** 27

const MIN_SLOTS = 256
const MAX_LOAD = 0.7
/** After expiry, a table this sparse is rebuilt at half its largest load (so it does not shrink and grow in turn). */
const SHRINK_LOAD = 0.15
const EVICT_SHARE = 0.1
/** Histogram buckets per pass when looking for the eviction cutoff: two passes for spans up to ~8 years at 1 s. */
const HISTOGRAM_BUCKETS = 16_384
const MAX_SECONDS = 0xffff_ffff

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const ENCODE = Array.from(ALPHABET, (c) => c.charCodeAt(0))
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

// The decoded words of the id last passed to decode(): module scratch, so lookups allocate nothing.
let k0 = 0
let k1 = 0
let k2 = 0

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
 * Sets k0..k2 to the id's 12 bytes as three big-endian words (what Buffer.from(id, 'base64url')
 * gives), or throws. Decoded by hand: no allocation, and Buffer would skip bad characters silently.
 */
function decode (id: string): void {
  if (typeof id !== 'string' || id.length !== 16) throw invalidId(id)
  const g0 = group(id, 0)
  const g1 = group(id, 4)
  const g2 = group(id, 8)
  const g3 = group(id, 12)
  k0 = ((g0 << 8) | (g1 >>> 16)) >>> 0
  k1 = (((g1 & 0xffff) << 16) | (g2 >>> 8)) >>> 0
  k2 = (((g2 & 0xff) << 24) | g3) >>> 0
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

function slotsFor (entries: number, load: number): number {
  let slots = MIN_SLOTS
  while (slots * load < entries) slots *= 2
  return slots
}

export class SeenTable {
  readonly #capacity: number
  readonly #onEvict: ((id: string) => void) | undefined
  /** Slots the capacity needs at MAX_LOAD: the table never grows past them. */
  readonly #maxSlots: number
  #keys: Uint32Array
  #times: Uint32Array
  #flags: Uint8Array
  #mask: number
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
    const slots = MIN_SLOTS
    this.#keys = new Uint32Array(slots * 3)
    this.#times = new Uint32Array(slots)
    this.#flags = new Uint8Array(slots)
    this.#mask = slots - 1
    this.#growAt = Math.floor(slots * MAX_LOAD)
  }

  get size (): number { return this.#size }

  get capacity (): number { return this.#capacity }

  /** Entries evicted by capacity so far (before their TTL). */
  get evicted (): number { return this.#evicted }

  /** The t of the newest entry ever evicted by capacity (the effective dedup horizon), or undefined. */
  get evictedUpTo (): number | undefined {
    return this.#evictedUpTo === undefined ? undefined : this.#evictedUpTo * 1000
  }

  /** Approximate bytes held (typed arrays), for a gauge. */
  get bytes (): number {
    return this.#keys.byteLength + this.#times.byteLength + this.#flags.byteLength
  }

  get (id: string): SeenEntry | undefined {
    decode(id)
    const i = this.#find()
    return i < 0 ? undefined : { flags: this.#flags[i]!, t: this.#times[i]! * 1000 }
  }

  has (id: string): boolean {
    decode(id)
    return this.#find() >= 0
  }

  /** Adds or replaces an entry. `flags` 1..255 (0 marks an empty slot); `t` epoch ms, held in seconds rounded up. */
  set (id: string, flags: number, t: number): void {
    if (!Number.isInteger(flags) || flags < 1 || flags > 255) throw new RangeError(`SeenTable: flags must be an integer from 1 to 255, got ${flags}`)
    const seconds = toSeconds(t)
    decode(id)
    let i = this.#find()
    if (i >= 0) {
      this.#flags[i] = flags
      this.#times[i] = seconds
      return
    }
    if (this.#size >= this.#capacity || this.#size >= this.#growAt) {
      const w0 = k0
      const w1 = k1
      const w2 = k2
      if (this.#size >= this.#capacity) this.#evictOldest()
      // The size stays within capacity, and #maxSlots holds capacity below MAX_LOAD: growing is always allowed here.
      if (this.#size >= this.#growAt) this.#rehash(this.#flags.length * 2)
      k0 = w0
      k1 = w1
      k2 = w2
      i = this.#find()
    }
    const slot = ~i
    const b = slot * 3
    this.#keys[b] = k0
    this.#keys[b + 1] = k1
    this.#keys[b + 2] = k2
    this.#flags[slot] = flags
    this.#times[slot] = seconds
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
    const keys = this.#keys
    const flags = this.#flags
    const times = this.#times
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === 0) continue
      yield [encode(keys[i * 3]!, keys[i * 3 + 1]!, keys[i * 3 + 2]!), { flags: flags[i]!, t: times[i]! * 1000 }]
    }
  }

  [Symbol.iterator] (): IterableIterator<[string, SeenEntry]> {
    return this.entries()
  }

  /** An independent copy with the same entries, capacity, onEvict and eviction counts. */
  clone (): SeenTable {
    const copy = new SeenTable({ capacity: this.#capacity, onEvict: this.#onEvict })
    copy.#keys = this.#keys.slice()
    copy.#times = this.#times.slice()
    copy.#flags = this.#flags.slice()
    copy.#mask = this.#mask
    copy.#growAt = this.#growAt
    copy.#size = this.#size
    copy.#evicted = this.#evicted
    copy.#evictedUpTo = this.#evictedUpTo
    return copy
  }

  /** The slot holding k0..k2, or ~slot of the empty slot where it would go. */
  #find (): number {
    const keys = this.#keys
    const flags = this.#flags
    const mask = this.#mask
    let i = hash(k0, k1, k2) & mask
    while (flags[i] !== 0) {
      const b = i * 3
      if (keys[b] === k0 && keys[b + 1] === k1 && keys[b + 2] === k2) return i
      i = (i + 1) & mask
    }
    return ~i
  }

  /** Empties slot i and shifts back the entries after it that may move, so no probe run is cut. */
  #removeAt (i: number): void {
    const keys = this.#keys
    const flags = this.#flags
    const times = this.#times
    const mask = this.#mask
    let hole = i
    let j = i
    for (;;) {
      j = (j + 1) & mask
      if (flags[j] === 0) break
      const b = j * 3
      const home = hash(keys[b]!, keys[b + 1]!, keys[b + 2]!) & mask
      // The entry at j may fill the hole unless its home lies after the hole (cyclically, up to j).
      if (((j - home) & mask) < ((j - hole) & mask)) continue
      const h = hole * 3
      keys[h] = keys[b]!
      keys[h + 1] = keys[b + 1]!
      keys[h + 2] = keys[b + 2]!
      flags[hole] = flags[j]!
      times[hole] = times[j]!
      hole = j
    }
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
    const flags = this.#flags
    const times = this.#times
    const keys = this.#keys
    let removed = 0
    for (let i = 0; i < flags.length;) {
      if (flags[i] === 0 || !remove(times[i]!)) { i++; continue }
      const id = encode(keys[i * 3]!, keys[i * 3 + 1]!, keys[i * 3 + 2]!)
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
    const flags = this.#flags
    const times = this.#times
    let lo = MAX_SECONDS
    let hi = 0
    for (let i = 0; i < flags.length; i++) {
      if (flags[i] === 0) continue
      const s = times[i]!
      if (s < lo) lo = s
      if (s > hi) hi = s
    }
    let below = 0
    while (lo < hi) {
      const width = Math.ceil((hi - lo + 1) / HISTOGRAM_BUCKETS)
      const counts = new Uint32Array(Math.ceil((hi - lo + 1) / width))
      for (let i = 0; i < flags.length; i++) {
        if (flags[i] === 0) continue
        const s = times[i]!
        if (s >= lo && s <= hi) counts[Math.floor((s - lo) / width)]!++
      }
      let b = 0
      while (below + counts[b]! < target) below += counts[b++]!
      lo += b * width
      hi = Math.min(hi, lo + width - 1)
    }
    return { cutoff: lo, below }
  }

  /** Moves every entry into `slots` fresh slots. */
  #rehash (slots: number): void {
    const oldKeys = this.#keys
    const oldTimes = this.#times
    const oldFlags = this.#flags
    const keys = new Uint32Array(slots * 3)
    const times = new Uint32Array(slots)
    const flags = new Uint8Array(slots)
    const mask = slots - 1
    for (let j = 0; j < oldFlags.length; j++) {
      if (oldFlags[j] === 0) continue
      const b = j * 3
      let i = hash(oldKeys[b]!, oldKeys[b + 1]!, oldKeys[b + 2]!) & mask
      while (flags[i] !== 0) i = (i + 1) & mask
      keys[i * 3] = oldKeys[b]!
      keys[i * 3 + 1] = oldKeys[b + 1]!
      keys[i * 3 + 2] = oldKeys[b + 2]!
      times[i] = oldTimes[j]!
      flags[i] = oldFlags[j]!
    }
    this.#keys = keys
    this.#times = times
    this.#flags = flags
    this.#mask = mask
    this.#growAt = Math.floor(slots * MAX_LOAD)
  }
}
