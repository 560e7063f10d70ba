import type { Alert } from '@wabridge/schemas'
import { bucketEnd, parseCounterKey, type Source } from './keys.ts'
import { createTable, entryValue, type TpTable } from './table.ts'
import { encodeBlocks } from './seen-blocks.ts'

/**
 * One input partition's state as owned by this instance: the table plus what the next flush must
 * write. Only the fold, the alert evaluation and the flusher touch it, and only synchronously, so
 * between two awaits it is always consistent with `nextOffset`.
 */
export interface PartitionState extends TpTable {
  readonly source: Source
  readonly partition: number
  /** Next input offset to fold; records below it are already in the state. */
  nextOffset: bigint | null
  /** Largest event time folded, epoch ms: drives expiry, so a replay expires exactly as the first run did. */
  streamTime: number
  /** Keys changed since the last snapshot. */
  dirty: Set<string>
  /** Dedup entries changed since the last snapshot: written in blocks (seen-blocks.ts). */
  dirtySeen: Set<string>
  /** The seen table's evictedUpTo when blocks were last checked against it. */
  blocksEvictedUpTo: number | undefined
  /** Alert state changes not yet written to the alerts topic. */
  alerts: Alert[]
  /** Monthly counters as last committed: Prometheus counters advance by committed differences only. */
  committed: Map<string, number>
  /** Stream time of the last expiry pass. */
  expiredAt: number
  /** nextOffset as of the last snapshot. */
  snapshotOffset: bigint | null
  /** Reach entries changed since the owner last counted them (ticker.ts publishes the counts). */
  reachChanged: boolean
}

/** A partition's state, from a restored table (or empty). */
export function createPartitionState (source: Source, partition: number, table: TpTable = createTable()): PartitionState {
  const offset = table.props.get('o')
  const committed = new Map<string, number>()
  for (const [k, v] of table.counters) if (k.startsWith('c|M|')) committed.set(k, v)
  const streamTime = Number(table.props.get('t') ?? 0)
  const state: PartitionState = {
    ...table,
    source,
    partition,
    nextOffset: offset === undefined ? null : BigInt(offset),
    streamTime,
    dirty: new Set(),
    dirtySeen: new Set(),
    blocksEvictedUpTo: undefined,
    alerts: [],
    committed,
    expiredAt: streamTime,
    snapshotOffset: offset === undefined ? null : BigInt(offset),
    reachChanged: true
  }
  // Entries in the format before blocks: the next flush deletes their records and writes them in a block.
  for (const id of table.legacySeen) {
    state.dirty.add(`s|${id}`)
    state.dirtySeen.add(id)
  }
  table.legacySeen.clear()
  return state
}

export function addCount (state: PartitionState, rest: string, n = 1): void {
  const map = rest[2] === 'S' ? state.recent : state.counters
  map.set(rest, (map.get(rest) ?? 0) + n)
  state.dirty.add(rest)
}

export function setSeen (state: PartitionState, id: string, flags: number, t: number): void {
  state.seen.set(id, flags, t)
  state.dirtySeen.add(id)
}

export function touchReach (state: PartitionState, key: string, t: number): void {
  if ((state.reach.get(key) ?? -Infinity) >= t) return
  state.reach.set(key, t)
  state.dirty.add(`u|${key}`)
  state.reachChanged = true
}

export function setProp (state: PartitionState, rest: string, value: string | undefined): void {
  if (value === undefined) {
    if (!state.props.delete(rest)) return
  } else {
    if (state.props.get(rest) === value) return
    state.props.set(rest, value)
  }
  state.dirty.add(rest)
}

/** Marks `offset` folded and moves stream time forward. */
export function advance (state: PartitionState, offset: bigint, t: number): void {
  state.nextOffset = offset + 1n
  if (t > state.streamTime) state.streamTime = t
}

export interface Snapshot {
  /** Changelog entries to write (value null = tombstone). */
  writes: Array<{ rest: string, value: string | null }>
  alerts: Alert[]
  /** Next offset to commit for the input partition, when anything was consumed. */
  nextOffset: string | null
  /** Increase of each monthly counter since the last snapshot (for Prometheus, once committed). */
  deltas: Array<{ rest: string, delta: number }>
}

/** Takes what changed since the last snapshot and starts a new one; synchronous, so consistent. */
export function takeSnapshot (state: PartitionState): Snapshot {
  const writes: Snapshot['writes'] = []
  const deltas: Snapshot['deltas'] = []
  for (const rest of state.dirty) {
    writes.push({ rest, value: entryValue(state, rest) })
    if (rest.startsWith('c|M|')) {
      const now = state.counters.get(rest) ?? 0
      const delta = now - (state.committed.get(rest) ?? 0)
      if (delta > 0) deltas.push({ rest, delta })
      state.committed.set(rest, now)
    }
  }
  // Blocks after the single entries: a migrated entry's tombstone (`s|…`) must come before its block.
  const evictedUpTo = state.seen.evictedUpTo
  if (evictedUpTo !== undefined && evictedUpTo !== state.blocksEvictedUpTo) {
    // The capacity evicted every entry before evictedUpTo: blocks holding only such entries go.
    state.blocksEvictedUpTo = evictedUpTo
    for (const seq of state.blocks.takeBefore(evictedUpTo / 1000)) writes.push({ rest: `S|${seq}`, value: null })
  }
  for (const block of encodeBlocks(state.seen, state.dirtySeen)) {
    const seq = state.blocks.take()
    state.blocks.add(seq, block.maxS)
    writes.push({ rest: `S|${seq}`, value: block.value })
  }
  state.dirtySeen = new Set()
  if (state.nextOffset !== null && (writes.length > 0 || state.nextOffset !== state.snapshotOffset)) {
    state.snapshotOffset = state.nextOffset
    writes.push({ rest: 'o', value: String(state.nextOffset) }, { rest: 't', value: String(state.streamTime) })
  }
  state.dirty = new Set()
  const alerts = state.alerts
  state.alerts = []
  return { writes, alerts, nextOffset: state.nextOffset === null ? null : String(state.nextOffset), deltas }
}

/** How long each kind of entry is kept after its time, in ms of stream time. */
export interface Retention {
  S: number
  H: number
  D: number
  M: number
  /** Dedup and status-lattice entries. */
  seen: number
  /** Reached customers (the rolling window is 24 h). */
  reach: number
}

const EXPIRY_EVERY_MS = 60_000

/** Drops entries older than their retention (by stream time) and writes tombstones for them. */
export function expire (state: PartitionState, retention: Retention, force = false): void {
  const now = state.streamTime
  if (!force && now - state.expiredAt < EXPIRY_EVERY_MS) return
  state.expiredAt = now
  for (const map of [state.counters, state.recent]) {
    for (const rest of map.keys()) {
      const k = parseCounterKey(rest)
      if (k && bucketEnd(k.grain, k.bucket) * 1000 + retention[k.grain] < now) {
        map.delete(rest)
        state.committed.delete(rest)
        state.dirty.add(rest)
      }
    }
  }
  const cutoff = now - retention.seen
  state.seen.expireBefore(cutoff, () => {})
  for (const seq of state.blocks.takeBefore(Math.ceil(cutoff / 1000))) state.dirty.add(`S|${seq}`)
  state.reach.expireBefore(now - retention.reach, (key) => { state.dirty.add(`u|${key}`); state.reachChanged = true })
}
