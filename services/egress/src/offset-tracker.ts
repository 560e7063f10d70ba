/**
 * Tracks which offsets of one partition are still unfinished, so the committed offset never
 * passes a record whose result is not yet durable: commit = the lowest unfinished offset, or one
 * past the highest seen when all are finished.
 */
export class OffsetTracker {
  readonly #pending = new Set<bigint>()
  #highest: bigint | undefined
  #lowestPending: bigint | undefined

  /** Registers a consumed offset (in order of consumption). */
  add (offset: string): void {
    const o = BigInt(offset)
    this.#pending.add(o)
    if (this.#highest === undefined || o > this.#highest) this.#highest = o
    if (this.#lowestPending === undefined || o < this.#lowestPending) this.#lowestPending = o
  }

  /** Marks an offset finished (its result is durable). */
  done (offset: string): void {
    const o = BigInt(offset)
    if (!this.#pending.delete(o)) return
    if (o === this.#lowestPending) this.#lowestPending = this.#findLowest()
  }

  get pendingCount (): number { return this.#pending.size }

  /** The offset to commit (next to read), or undefined when nothing was consumed. */
  committable (): string | undefined {
    if (this.#lowestPending !== undefined) return String(this.#lowestPending)
    return this.#highest === undefined ? undefined : String(this.#highest + 1n)
  }

  #findLowest (): bigint | undefined {
    let low: bigint | undefined
    for (const o of this.#pending) if (low === undefined || o < low) low = o
    return low
  }
}
