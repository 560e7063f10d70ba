import { ReachTable } from './reach-table.ts'
import { DEFAULT_SEEN_CAPACITY, SeenTable, type SeenEntry } from './seen-table.ts'

/**
 * The state of one input partition as a table of changelog entries, split by kind so the hot
 * paths (counters, dedup) work on numbers. The changelog holds the same entries as strings.
 *
 * Entry kinds (the first character of the key's rest):
 * - `c|…` counters (`c|S|…` one-second counters live in `recent`)
 * - `s|{digest}` dedup and status lattice: flags and last time
 * - `u|{phone_number_id}|{customer digest}` last time a customer was reached
 * - anything else (`n|`, `x|`, `a|`, `o`): strings in `props`
 */
export interface TpTable {
  counters: Map<string, number>
  recent: Map<string, number>
  /** Dedup and status-lattice entries in typed arrays, at most `capacity` (seen-table.ts). */
  seen: SeenTable
  /** Last time each user was reached, per number, in typed arrays (reach-table.ts). */
  reach: ReachTable
  props: Map<string, string>
  /** Called for each dedup entry the capacity evicted: the owner writes its tombstone. */
  onSeenEvicted: ((id: string) => void) | undefined
}

export type { SeenEntry }

/** A table whose dedup entries are bounded by `seenCapacity` (METRICS_DEDUP_MAX_ENTRIES). */
export function createTable (seenCapacity = DEFAULT_SEEN_CAPACITY): TpTable {
  const seen = new SeenTable({ capacity: seenCapacity, onEvict: (id) => table.onSeenEvicted?.(id) })
  const table: TpTable = { counters: new Map(), recent: new Map(), seen, reach: new ReachTable(), props: new Map(), onSeenEvicted: undefined }
  return table
}

/** Applies one changelog entry (null = tombstone). Returns the counter's previous value for `c|` keys. */
export function applyEntry (table: TpTable, rest: string, value: string | null): number | undefined {
  switch (rest[0]) {
    case 'c': {
      const map = rest[2] === 'S' ? table.recent : table.counters
      const before = map.get(rest) ?? 0
      if (value === null) map.delete(rest)
      else map.set(rest, Number(value))
      return before
    }
    case 's': {
      if (value === null) { table.seen.delete(rest.slice(2)); return undefined }
      const colon = value.indexOf(':')
      table.seen.set(rest.slice(2), Number(value.slice(0, colon)), Number(value.slice(colon + 1)))
      return undefined
    }
    case 'u':
      if (value === null) table.reach.delete(rest.slice(2))
      else table.reach.set(rest.slice(2), Number(value))
      return undefined
    default:
      if (value === null) table.props.delete(rest)
      else table.props.set(rest, value)
      return undefined
  }
}

/** The changelog value of entry `rest` (null when it no longer exists). */
export function entryValue (table: TpTable, rest: string): string | null {
  switch (rest[0]) {
    case 'c': {
      const v = (rest[2] === 'S' ? table.recent : table.counters).get(rest)
      return v === undefined ? null : String(v)
    }
    case 's': {
      const v = table.seen.get(rest.slice(2))
      return v === undefined ? null : `${v.flags}:${v.t}`
    }
    case 'u': {
      const v = table.reach.get(rest.slice(2))
      return v === undefined ? null : String(v)
    }
    default:
      return table.props.get(rest) ?? null
  }
}

/** Every entry of the table as changelog (rest, value) pairs. */
export function * tableEntries (table: TpTable): Generator<[string, string]> {
  for (const [k, v] of table.counters) yield [k, String(v)]
  for (const [k, v] of table.recent) yield [k, String(v)]
  for (const [k, v] of table.seen) yield [`s|${k}`, `${v.flags}:${v.t}`]
  for (const [k, v] of table.reach) yield [`u|${k}`, String(v)]
  for (const [k, v] of table.props) yield [k, v]
}
