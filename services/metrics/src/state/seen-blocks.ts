import type { SeenTable } from './seen-table.ts'

/**
 * Dedup and status-lattice entries reach the changelog in blocks: one record `S|{seq}` per flush
 * (up to BLOCK_ENTRIES entries) instead of one `s|{digest}` record per entry. A block holds the
 * entries as they were when it was written; a later block may hold newer values of some of them,
 * and a restore applies blocks in changelog order, so the newest value wins. A block is deleted
 * (tombstoned) once every entry in it is older than the dedup TTL or than what the capacity evicted,
 * judged by its newest time.
 *
 * Entry format, concatenated with ',': the 16-character digest, the flags (decimal), ':', the time
 * in whole seconds (decimal), as the seen table holds it.
 */
export const BLOCK_ENTRIES = 4000

const NONE = 0xFFFF_FFFF

/** The live blocks of one partition: sequence number and newest entry time (s), in typed arrays, ascending by seq. */
export class SeenBlocks {
  #seqs = new Uint32Array(64)
  #maxS = new Uint32Array(64)
  #length = 0
  #removed = 0
  #next = 0

  /** Live blocks. */
  get size (): number { return this.#length - this.#removed }

  /** The sequence number the next block gets (one past every number seen, live or deleted). */
  take (): number { return this.#next++ }

  /** Records block `seq` whose newest entry is `maxS` (replacing it if it is already known). */
  add (seq: number, maxS: number): void {
    if (seq >= this.#next) this.#next = seq + 1
    const at = this.#find(seq)
    if (at >= 0) {
      if (this.#maxS[at] === NONE) this.#removed--
      this.#maxS[at] = maxS
      return
    }
    if (this.#length === this.#seqs.length) this.#grow()
    // Blocks arrive in ascending order (written so, read back in changelog order): append. Otherwise insert.
    let i = this.#length
    while (i > 0 && this.#seqs[i - 1]! > seq) i--
    this.#seqs.copyWithin(i + 1, i, this.#length)
    this.#maxS.copyWithin(i + 1, i, this.#length)
    this.#seqs[i] = seq
    this.#maxS[i] = maxS
    this.#length++
  }

  /** Forgets block `seq` (its tombstone was read). */
  remove (seq: number): void {
    if (seq >= this.#next) this.#next = seq + 1
    const at = this.#find(seq)
    if (at < 0 || this.#maxS[at] === NONE) return
    this.#maxS[at] = NONE
    this.#removed++
    if (this.#removed > 64 && this.#removed * 2 > this.#length) this.#compact()
  }

  /** Removes and returns every block whose newest entry is before `cutoffS`: all its entries are gone. */
  takeBefore (cutoffS: number): number[] {
    const out: number[] = []
    for (let i = 0; i < this.#length; i++) {
      const m = this.#maxS[i]!
      if (m !== NONE && m < cutoffS) {
        out.push(this.#seqs[i]!)
        this.#maxS[i] = NONE
        this.#removed++
      }
    }
    if (out.length > 0) this.#compact()
    return out
  }

  #find (seq: number): number {
    let lo = 0
    let hi = this.#length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const s = this.#seqs[mid]!
      if (s === seq) return mid
      if (s < seq) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  #grow (): void {
    const seqs = new Uint32Array(this.#seqs.length * 2)
    const maxS = new Uint32Array(this.#seqs.length * 2)
    seqs.set(this.#seqs)
    maxS.set(this.#maxS)
    this.#seqs = seqs
    this.#maxS = maxS
  }

  #compact (): void {
    let j = 0
    for (let i = 0; i < this.#length; i++) {
      if (this.#maxS[i] === NONE) continue
      this.#seqs[j] = this.#seqs[i]!
      this.#maxS[j] = this.#maxS[i]!
      j++
    }
    this.#length = j
    this.#removed = 0
  }
}

/** Writes the entries `ids` (those still in `seen`) as block values of at most BLOCK_ENTRIES each, with each block's newest time (s). */
export function * encodeBlocks (seen: SeenTable, ids: Iterable<string>): Generator<{ value: string, maxS: number }> {
  let parts: string[] = []
  let maxS = 0
  for (const id of ids) {
    const entry = seen.get(id)
    if (entry === undefined) continue
    const s = entry.t / 1000
    parts.push(`${id}${entry.flags}:${s}`)
    if (s > maxS) maxS = s
    if (parts.length === BLOCK_ENTRIES) {
      yield { value: parts.join(','), maxS }
      parts = []
      maxS = 0
    }
  }
  if (parts.length > 0) yield { value: parts.join(','), maxS }
}

/** Applies a block's entries to `seen`; returns the block's newest time (s). Throws on a malformed block. */
export function decodeBlock (seen: SeenTable, value: string): number {
  let maxS = 0
  let at = 0
  while (at < value.length) {
    const colon = value.indexOf(':', at + 16)
    let end = value.indexOf(',', colon)
    if (end < 0) end = value.length
    const flags = Number(value.slice(at + 16, colon))
    const s = Number(value.slice(colon + 1, end))
    if (colon < 0 || !Number.isInteger(flags) || !Number.isInteger(s)) throw new Error(`malformed dedup block entry at ${at}`)
    seen.set(value.slice(at, at + 16), flags, s * 1000)
    if (s > maxS) maxS = s
    at = end + 1
  }
  return maxS
}
