import type { SeenTable } from '../state/seen-table.ts'
import type { TpTable } from '../state/table.ts'

export interface NumberInfo {
  wabaId: string
  display: string
}

/**
 * Users counted against Meta's messaging limit in the rolling 24 h (reached by a template outside
 * their customer service window), distinct, per number, per WABA and per business portfolio.
 */
export interface ReachStats {
  byNumber: Map<string, number>
  byWaba: Map<string, number>
  byPortfolio: Map<string, number>
}

/** What the alert rules need from every partition's state (owned or read from the changelog). */
export interface MergedContext {
  numbers: Map<string, NumberInfo>
  /** Rate-limit errors per phone number within the rule's window. */
  rateLimitErrors: Map<string, number>
  /** Throughput upgrades (msg/s) by display phone number, from THROUGHPUT_UPGRADE webhooks. */
  mpsUpgrades: Map<string, number>
  /** Messaging limits by WABA id, from quality and capability webhooks. */
  tiers: Map<string, number>
  reach: ReachStats
}

export const REACH_WINDOW_MS = 24 * 60 * 60 * 1000

/**
 * Sums one-second counters of `metric` per scope over the last `windowMs` of complete seconds
 * before `now`: buckets [floor((now - windowMs) / 1000), floor(now / 1000)).
 */
export function sumRecent (tables: Iterable<TpTable>, metric: string, now: number, windowMs: number): Map<string, number> {
  const from = Math.floor((now - windowMs) / 1000)
  const to = Math.floor(now / 1000)
  const out = new Map<string, number>()
  const marker = `|${metric}|`
  for (const table of tables) {
    for (const [rest, n] of table.recent) {
      const at = rest.indexOf(marker, 4)
      if (at < 0) continue
      const bucket = Number(rest.slice(4, at))
      if (bucket < from || bucket >= to) continue
      const scope = rest.slice(at + marker.length, rest.indexOf('|', at + marker.length))
      out.set(scope, (out.get(scope) ?? 0) + n)
    }
  }
  return out
}

/** Everything but reach, which is costlier and refreshed less often (sumReach). */
export function collectContext (tables: TpTable[], now: number, rateLimitWindowMs: number): Omit<MergedContext, 'reach'> {
  const numbers = new Map<string, NumberInfo>()
  const mpsUpgrades = new Map<string, number>()
  const tiers = new Map<string, number>()
  for (const table of tables) {
    for (const [rest, value] of table.props) {
      if (rest.startsWith('n|')) {
        const id = rest.slice(2)
        const bar = value.indexOf('|')
        const info = { wabaId: value.slice(0, bar), display: value.slice(bar + 1) }
        if (info.wabaId !== '' || !numbers.has(id)) numbers.set(id, info)
      } else if (rest.startsWith('x|mps|')) {
        mpsUpgrades.set(rest.slice(6), Number(value))
      } else if (rest.startsWith('x|tier|')) {
        tiers.set(rest.slice(7), Number(value))
      }
    }
  }
  return { numbers, rateLimitErrors: sumRecent(tables, 'rl', now, rateLimitWindowMs), mpsUpgrades, tiers }
}

/** Props of a partition's own distinct-user counts: `x|reach|n|{phone_number_id}`, `x|reach|w|{waba_id}`, `x|reach|p|{portfolio}`. */
export const REACH_PROP = { number: 'x|reach|n|', waba: 'x|reach|w|', portfolio: 'x|reach|p|' } as const

/**
 * Distinct users reached (see ReachStats) in the 24 h before `now` in ONE partition's reach
 * entries, per number, per WABA and per portfolio (`portfolioOf` a phone number id): what its owner
 * publishes as REACH_PROP props.
 */
export function partitionReach (table: TpTable, numbers: Map<string, NumberInfo>, now: number, portfolioOf: (phoneNumberId: string) => string | undefined = () => undefined): ReachStats {
  const since = now - REACH_WINDOW_MS
  const byNumber = new Map<string, number>()
  const scopes = { waba: new Map<string, string[]>(), portfolio: new Map<string, string[]>() }
  const users = new Map<string, SeenTable>()
  for (const [pn, table_] of table.reach.numbers()) {
    const n = table_.countAtOrAfter(since)
    if (n === 0) continue
    byNumber.set(pn, n)
    users.set(pn, table_)
    for (const [into, scope] of [[scopes.waba, numbers.get(pn)?.wabaId], [scopes.portfolio, portfolioOf(pn)]] as const) {
      if (!scope) continue
      const list = into.get(scope)
      if (list) list.push(pn)
      else into.set(scope, [pn])
    }
  }
  // A scope of one number has that number's count; of several, the union of their users.
  const distinct = (pns: string[]): number => {
    if (pns.length === 1) return byNumber.get(pns[0]!)!
    const union = new Set<string>()
    for (const pn of pns) for (const [id, e] of users.get(pn)!) if (e.t >= since) union.add(id)
    return union.size
  }
  const sizes = (m: Map<string, string[]>) => new Map([...m].map(([scope, pns]) => [scope, distinct(pns)]))
  return { byNumber, byWaba: sizes(scopes.waba), byPortfolio: sizes(scopes.portfolio) }
}

/**
 * Users over every partition: the sum of the counts each partition's owner published. Exact per
 * number (a number's results all land in one partition); per WABA and per portfolio a user reached
 * from two of its numbers whose results land in different partitions counts twice (an over-count, so
 * a limit alert comes early, never late).
 */
export function sumReach (tables: Iterable<TpTable>): ReachStats {
  const out: ReachStats = { byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() }
  const kinds: Array<[string, Map<string, number>]> = [[REACH_PROP.number, out.byNumber], [REACH_PROP.waba, out.byWaba], [REACH_PROP.portfolio, out.byPortfolio]]
  for (const table of tables) {
    for (const [rest, value] of table.props) {
      if (!rest.startsWith('x|reach|')) continue
      for (const [prefix, into] of kinds) {
        if (!rest.startsWith(prefix)) continue
        const scope = rest.slice(prefix.length)
        into.set(scope, (into.get(scope) ?? 0) + Number(value))
      }
    }
  }
  return out
}
