import { ReachTable } from './reach-table.ts'
import { decodeBlock, SeenBlocks } from './seen-blocks.ts'
import { DEFAULT_SEEN_CAPACITY, SeenTable, type SeenEntry } from './seen-table.ts'

/**
 * The state of one input partition as a table of changelog entries, split by kind so the hot
 * paths (counters, dedup) work on numbers. The changelog holds the same entries as strings.
 *
 * Entry kinds (the first character of the key's rest):
 * - `c|…` counters (`c|S|…` one-second counters live in `recent`)
 * - `S|{seq}` dedup and status lattice, a block of entries (digest, flags, last time) per flush
 *   (seen-blocks.ts); `s|{digest}`, one entry per record, is the format before blocks: still read,
 *   and rewritten into a block by the partition's next flush
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
  /** The changelog blocks holding `seen` (seen-blocks.ts). */
  blocks: SeenBlocks
  /** Entries read from `s|{digest}` records (the format before blocks): moved into a block, their records deleted. */
  legacySeen: Set<string>
}

export type { SeenEntry }

/** A table whose dedup entries are bounded by `seenCapacity` (METRICS_DEDUP_MAX_ENTRIES). */
export function createTable (seenCapacity = DEFAULT_SEEN_CAPACITY): TpTable {
  return { counters: new Map(), recent: new Map(), seen: new SeenTable({ capacity: seenCapacity }), reach: new ReachTable(), props: new Map(), blocks: new SeenBlocks(), legacySeen: new Set() }
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
    case 'S': {
      const seq = Number(rest.slice(2))
      if (value === null) {
        table.blocks.remove(seq)
        return undefined
      }
      let maxS = 0
      // A malformed block (never written by this code) keeps the entries before the fault and is deleted at the next expiry.
      try { maxS = decodeBlock(table.seen, value) } catch {}
      table.blocks.add(seq, maxS)
      return undefined
    }
    case 's': {
      const id = rest.slice(2)
      if (value === null) {
        table.seen.delete(id)
        table.legacySeen.delete(id)
        return undefined
      }
      const colon = value.indexOf(':')
      table.seen.set(id, Number(value.slice(0, colon)), Number(value.slice(colon + 1)))
      table.legacySeen.add(id)
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
    // Dedup entries are written in blocks by takeSnapshot; an `s|` or `S|` key here is one to delete.
    case 's':
    case 'S':
      return null
    case 'u': {
      const v = table.reach.get(rest.slice(2))
      return v === undefined ? null : String(v)
    }
    default:
      return table.props.get(rest) ?? null
  }
}
