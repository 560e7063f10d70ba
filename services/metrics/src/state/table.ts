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
  seen: Map<string, SeenEntry>
  reach: Map<string, number>
  props: Map<string, string>
}

export interface SeenEntry {
  flags: number
  /** Event time of the last change, epoch ms (drives expiry). */
  t: number
}

export function createTable (): TpTable {
  return { counters: new Map(), recent: new Map(), seen: new Map(), reach: new Map(), props: new Map() }
}

export function cloneTable (t: TpTable): TpTable {
  return {
    counters: new Map(t.counters),
    recent: new Map(t.recent),
    seen: new Map([...t.seen].map(([k, v]) => [k, { ...v }])),
    reach: new Map(t.reach),
    props: new Map(t.props)
  }
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
      table.seen.set(rest.slice(2), { flags: Number(value.slice(0, colon)), t: Number(value.slice(colon + 1)) })
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
