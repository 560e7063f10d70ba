/** What happened to a request id that is no longer pending. */
export interface Finished { state: 'released' | 'cancelled', at: number, sendAt: number }

/** The ids released or cancelled most recently (at most maxSize, oldest forgotten first). */
export class RecentIds {
  readonly #ids = new Map<string, Finished>()
  readonly #maxSize: number
  constructor (maxSize: number) { this.#maxSize = maxSize }
  get (id: string): Finished | undefined { return this.#ids.get(id) }
  has (id: string): boolean { return this.#ids.has(id) }
  add (id: string, finished: Finished): void {
    this.#ids.delete(id)
    this.#ids.set(id, finished)
    if (this.#ids.size > this.#maxSize) this.#ids.delete(this.#ids.keys().next().value!)
  }
}
