import { bucketStart, clean, counterKey, digest, USAGE_GRAINS } from '../state/keys.ts'
import { addCount, setProp, setSeen, type PartitionState } from '../state/partition-state.ts'
import { SEEN_BIT } from './status-lattice.ts'

/** 'duplicate' when the record added nothing (a repeat, or a status older than what is known). */
export type FoldOutcome = 'counted' | 'duplicate'

/** Meta's rate-limit error codes (whatsapp-cloud-api.md §6). */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([130429, 131056, 4, 80007, 131048])

/**
 * Counts one event in the half-hour, day and month buckets holding `t`: the keys counterKey() makes,
 * built from one shared suffix (the hot path of every record).
 */
export function countUsage (state: PartitionState, t: number, metric: string, scope: string, a = '', b = ''): void {
  const dims = `|${metric}|${clean(scope)}|${clean(a)}|${clean(b)}`
  for (const grain of USAGE_GRAINS) addCount(state, `c|${grain}|${bucketStart(grain, t)}${dims}`)
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
