/**
 * Tracks which offsets of one partition are still unfinished, so the committed offset never
 * passes a record whose result is not yet durable: commit = the lowest unfinished offset, or one
 * past the highest seen when all are finished. Offsets arrive in increasing order (as a
 * partition delivers them), so finishing is amortised O(1).
 */
export class OffsetTracker {
  /** Offsets in the order added (ascending); those before #head are finished. */
  #offsets: bigint[] = []
  #head = 0
  /** Finished offsets not yet at the head. */
  readonly #finished = new Set<bigint>()
  #highest: bigint | undefined

  /** Registers a consumed offset; false when it was taken in before (a fetch repeated after a rebalance). */
  add (offset: string): boolean {
    const o = BigInt(offset)
    if (this.#highest !== undefined && o <= this.#highest) return false
    this.#offsets.push(o)
    this.#highest = o
    return true
  }

  /** Marks an offset finished (its result is durable). */
  done (offset: string): void {
    const o = BigInt(offset)
    if (this.#head >= this.#offsets.length || o < this.#offsets[this.#head]!) return
    this.#finished.add(o)
    while (this.#head < this.#offsets.length && this.#finished.delete(this.#offsets[this.#head]!)) this.#head++
    if (this.#head > 4096 && this.#head * 2 > this.#offsets.length) {
      this.#offsets = this.#offsets.slice(this.#head)
      this.#head = 0
    }
  }

  /** Whether an offset is beyond every offset added so far (add would take it). */
  isNew (offset: bigint): boolean {
    return this.#highest === undefined || offset > this.#highest
  }

  get pendingCount (): number { return this.#offsets.length - this.#head - this.#finished.size }

  /** The offset to commit (next to read), or undefined when nothing was consumed. */
  committable (): string | undefined {
    if (this.#head < this.#offsets.length) return String(this.#offsets[this.#head])
    return this.#highest === undefined ? undefined : String(this.#highest + 1n)
  }
}
