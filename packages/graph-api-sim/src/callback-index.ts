/** Counts of accepted messages per biz_opaque_callback_data. */
export interface CallbackIndex {
  readonly counts: ReadonlyMap<string, number>
  /** Messages beyond the first per key: the duplicate sends. */
  readonly duplicates: number
  add (key: string | undefined): void
  remove (key: string | undefined): void
  clear (): void
}

/** Counts accepted messages per biz_opaque_callback_data, kept in step with adds and trims. */
export function createCallbackIndex (): CallbackIndex {
  const counts = new Map<string, number>()
  let duplicates = 0
  return {
    counts,
    get duplicates () { return duplicates },
    add (key) {
      if (key === undefined) return
      const n = counts.get(key) ?? 0
      if (n > 0) duplicates++
      counts.set(key, n + 1)
    },
    remove (key) {
      if (key === undefined) return
      const n = counts.get(key) ?? 0
      if (n > 1) duplicates--
      if (n > 1) counts.set(key, n - 1)
      else counts.delete(key)
    },
    clear () { counts.clear(); duplicates = 0 }
  }
}
