import { MAX_SEEN_CAPACITY, SeenTable } from './seen-table.ts'

/**
 * When each user was last reached, per phone number, in typed arrays (one SeenTable a number, no
 * capacity limit: the rolling 24 h bounds it, and evicting would under-count the messaging limit).
 * Keys are the changelog's: `{phone_number_id}|{user digest}` (a 16-character digest, keys.ts);
 * times are epoch ms, held in seconds rounded up.
 */
export class ReachTable {
  readonly #byNumber = new Map<string, SeenTable>()
  #size = 0

  get size (): number { return this.#size }

  /** Bytes of the typed arrays, for a gauge. */
  get bytes (): number {
    let n = 0
    for (const users of this.#byNumber.values()) n += users.bytes
    return n
  }

  get (key: string): number | undefined {
    const bar = key.indexOf('|')
    return this.#byNumber.get(key.slice(0, bar))?.get(key.slice(bar + 1))?.t
  }

  set (key: string, t: number): void {
    const bar = key.indexOf('|')
    const pn = key.slice(0, bar)
    let users = this.#byNumber.get(pn)
    if (!users) this.#byNumber.set(pn, users = new SeenTable({ capacity: MAX_SEEN_CAPACITY }))
    const before = users.size
    users.set(key.slice(bar + 1), 1, t)
    this.#size += users.size - before
  }

  delete (key: string): boolean {
    const bar = key.indexOf('|')
    const pn = key.slice(0, bar)
    const users = this.#byNumber.get(pn)
    if (!users?.delete(key.slice(bar + 1))) return false
    this.#size--
    if (users.size === 0) this.#byNumber.delete(pn)
    return true
  }

  /** Deletes every entry reached before `cutoffMs`, calling onDelete(key) for each. */
  expireBefore (cutoffMs: number, onDelete: (key: string) => void): void {
    for (const [pn, users] of [...this.#byNumber]) {
      const before = users.size
      users.expireBefore(cutoffMs, (id) => onDelete(`${pn}|${id}`))
      this.#size -= before - users.size
      if (users.size === 0) this.#byNumber.delete(pn)
    }
  }

  /** Each number's users. */
  numbers (): IterableIterator<[string, SeenTable]> {
    return this.#byNumber.entries()
  }

  * entries (): IterableIterator<[string, number]> {
    for (const [pn, users] of this.#byNumber) for (const [id, e] of users) yield [`${pn}|${id}`, e.t]
  }

  [Symbol.iterator] (): IterableIterator<[string, number]> {
    return this.entries()
  }
}
