import { dimsOf, parseChangelogKey, tpKey } from '../state/keys.ts'
import { applyEntry, createTable, type TpTable } from '../state/table.ts'

/**
 * The changelog read back as tables: the latest committed state of every input partition,
 * whoever owns it, plus usage totals summed over partitions for queries.
 */
export interface ViewIndex {
  /** `{source}/{partition}` → table. */
  tables: Map<string, TpTable>
  /** `{grain}|{bucket}` → `{metric}|{scope}|{a}|{b}` → total over every partition. */
  totals: Map<string, Map<string, number>>
}

export function createViewIndex (): ViewIndex {
  return { tables: new Map(), totals: new Map() }
}

/**
 * Applies one changelog record (latest value per key wins; null deletes). Dedup (`S|` blocks, `s|` before them) and reach
 * (`u|`) entries are left out: only the owner of a partition holds them (it reads them back on
 * restore), so an instance's memory grows with the partitions it owns, not with all of them.
 */
export function applyChangelog (index: ViewIndex, key: string, value: string | null): void {
  const parsed = parseChangelogKey(key)
  if (!parsed) return
  const { source, partition, rest } = parsed
  // Restore barriers (`~`) matter only to the restoring owner (restore-reader.ts).
  if (rest === '~' || rest[0] === 's' || rest[0] === 'S' || rest[0] === 'u') return
  const tp = tpKey(source, partition)
  let table = index.tables.get(tp)
  if (!table) index.tables.set(tp, table = createTable())
  const before = applyEntry(table, rest, value)
  if (before !== undefined && rest[2] !== 'S') {
    const delta = (value === null ? 0 : Number(value)) - before
    if (delta !== 0) {
      const { grainBucket, dims } = dimsOf(rest)
      let bucket = index.totals.get(grainBucket)
      if (!bucket) index.totals.set(grainBucket, bucket = new Map())
      const total = (bucket.get(dims) ?? 0) + delta
      if (total === 0) bucket.delete(dims)
      else bucket.set(dims, total)
      if (bucket.size === 0) index.totals.delete(grainBucket)
    }
  }
}
