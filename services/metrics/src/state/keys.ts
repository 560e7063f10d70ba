import { hash } from 'node:crypto'

/** Input topic of a partition's state: inbound messages, statuses, events, outbound results. */
export type Source = 'm' | 's' | 'e' | 'r'
export const SOURCES: readonly Source[] = ['m', 's', 'e', 'r']

/** Counter time buckets (UTC): one second (alert windows only), half hour, day, month. */
export type Grain = 'S' | 'H' | 'D' | 'M'

const HALF_HOUR_S = 1800
const DAY_S = 86_400

/** Start of the bucket holding `tMs`, in unix seconds. */
export function bucketStart (grain: Grain, tMs: number): number {
  const s = Math.floor(tMs / 1000)
  switch (grain) {
    case 'S': return s
    case 'H': return s - (s % HALF_HOUR_S + HALF_HOUR_S) % HALF_HOUR_S
    case 'D': return s - (s % DAY_S + DAY_S) % DAY_S
    case 'M': {
      // Records come in time order, mostly within one day: the month of the last day asked for.
      const day = s - (s % DAY_S + DAY_S) % DAY_S
      if (day !== lastMonth.day) {
        const d = new Date(day * 1000)
        lastMonth.day = day
        lastMonth.start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000
      }
      return lastMonth.start
    }
  }
}

const lastMonth = { day: NaN, start: 0 }

/** End (exclusive) of the bucket starting at `startS`, in unix seconds. */
export function bucketEnd (grain: Grain, startS: number): number {
  switch (grain) {
    case 'S': return startS + 1
    case 'H': return startS + HALF_HOUR_S
    case 'D': return startS + DAY_S
    case 'M': {
      const d = new Date(startS * 1000)
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000
    }
  }
}

/** Ids and Meta's strings never contain '|' today; replacing it keeps keys parseable whatever arrives. */
export function clean (s: string): string {
  return s.includes('|') ? s.replaceAll('|', '_') : s
}

export interface CounterKey {
  grain: Grain
  bucket: number
  metric: string
  scope: string
  a: string
  b: string
}

/** `c|{grain}|{bucket}|{metric}|{scope}|{a}|{b}`: one counter of one partition's state. */
export function counterKey (k: CounterKey): string {
  return `c|${k.grain}|${k.bucket}|${k.metric}|${clean(k.scope)}|${clean(k.a)}|${clean(k.b)}`
}

export function parseCounterKey (rest: string): CounterKey | undefined {
  const parts = rest.split('|')
  if (parts.length !== 7 || parts[0] !== 'c') return undefined
  const [, grain, bucket, metric, scope, a, b] = parts as [string, Grain, string, string, string, string, string]
  return { grain, bucket: Number(bucket), metric, scope, a, b }
}

/** The part of a counter key without grain and bucket: what the usage totals are indexed by. */
export function dimsOf (rest: string): { grainBucket: string, dims: string } {
  const second = rest.indexOf('|', 2)
  const third = rest.indexOf('|', second + 1)
  return { grainBucket: rest.slice(2, third), dims: rest.slice(third + 1) }
}

/** Changelog record key: `{source}/{partition}/{rest}`; every key belongs to one input partition. */
export function changelogKey (source: Source, partition: number, rest: string): string {
  return `${source}/${partition}/${rest}`
}

export function parseChangelogKey (key: string): { source: Source, partition: number, rest: string } | undefined {
  const a = key.indexOf('/')
  const b = key.indexOf('/', a + 1)
  if (a !== 1 || b < 0) return undefined
  const source = key[0] as Source
  if (!SOURCES.includes(source)) return undefined
  const partition = Number(key.slice(a + 1, b))
  if (!Number.isInteger(partition)) return undefined
  return { source, partition, rest: key.slice(b + 1) }
}

/** `{source}/{partition}`: names one input partition's state. */
export const tpKey = (source: Source, partition: number) => `${source}/${partition}`

/**
 * A short stable digest (96 bits, base64url) for dedup ids and customer numbers: keeps the
 * changelog small and keeps customers' phone numbers out of it in clear.
 */
export function digest (value: string): string {
  return hash('sha1', value, 'base64url').slice(0, 16)
}
