import { bucketStart, clean, counterKey, digest } from '../state/keys.ts'
import { addCount, setProp, setSeen, type PartitionState } from '../state/partition-state.ts'
import { SEEN_BIT } from './status-lattice.ts'

/** 'duplicate' when the record added nothing (a repeat, or a status older than what is known). */
export type FoldOutcome = 'counted' | 'duplicate'

/** Meta's rate-limit error codes (whatsapp-cloud-api.md §6). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([130429, 131056, 4, 80007, 131048])

/** The counter keys of one set of dims in the buckets last asked for (keys are the same in every partition). */
interface KeyRow { h: number, d: number, m: number, kh: string, kd: string, km: string }
const keyRows = new Map<string, KeyRow>()
const KEY_ROWS_MAX = 20_000

/**
 * Counts one event in the half-hour, day and month buckets holding `t`: the keys counterKey() makes.
 * The hot path of every record: the three keys of a set of dims are built once per bucket and the
 * same strings reused, so the counter and dirty maps hash them once.
 */
export function countUsage (state: PartitionState, t: number, metric: string, scope: string, a = '', b = ''): void {
  const dims = `|${metric}|${clean(scope)}|${clean(a)}|${clean(b)}`
  let row = keyRows.get(dims)
  if (row === undefined) {
    if (keyRows.size >= KEY_ROWS_MAX) keyRows.clear()
    row = { h: NaN, d: NaN, m: NaN, kh: '', kd: '', km: '' }
    keyRows.set(dims, row)
  }
  const h = bucketStart('H', t)
  if (h !== row.h) { row.h = h; row.kh = `c|H|${h}${dims}` }
  const d = bucketStart('D', t)
  if (d !== row.d) { row.d = d; row.kd = `c|D|${d}${dims}` }
  const m = bucketStart('M', t)
  if (m !== row.m) { row.m = m; row.km = `c|M|${m}${dims}` }
  addCount(state, row.kh)
  addCount(state, row.kd)
  addCount(state, row.km)
}

/** Counts one event in the one-second bucket holding `t` (alert windows). */
export function countRecent (state: PartitionState, t: number, metric: string, scope: string, a = ''): void {
  addCount(state, counterKey({ grain: 'S', bucket: bucketStart('S', t), metric, scope, a, b: '' }))
}

export function countRateLimitError (state: PartitionState, t: number, phoneNumberId: string, code: number, source: string): void {
  countUsage(state, t, 'rl', phoneNumberId, String(code), source)
  countRecent(state, t, 'rl', phoneNumberId, String(code))
}

/** True the first time `id` is folded into this partition (within the dedup TTL). */
export function firstSeen (state: PartitionState, id: string, t: number): boolean {
  const key = digest(id)
  if (state.seen.has(key)) return false
  setSeen(state, key, SEEN_BIT, t)
  return true
}

/** Remembers which WABA and display number a phone number id belongs to (results carry neither). */
export function learnNumber (state: PartitionState, phoneNumberId: string, wabaId: string, display: string): void {
  const rest = `n|${clean(phoneNumberId)}`
  if (wabaId === '' && state.props.has(rest)) return
  setProp(state, rest, `${wabaId}|${display}`)
}
