import type { Alert } from '@wabridge/schemas'
import { firingAlerts } from '../alerts/alert-state.ts'
import type { ChangelogView } from '../changelog/changelog-view.ts'
import { collectContext, partitionReach, REACH_PROP, sumReach, type MergedContext, type NumberInfo, type ReachStats } from '../alerts/context.ts'
import { evaluateEventsPartition, evaluateResultsPartition, type EvaluateConfig, type NumberGauge, type Owners, type WabaGauge } from '../alerts/evaluate.ts'
import type { GaugeSource } from '../instruments.ts'
import { tpKey } from '../state/keys.ts'
import { expire, setProp, type PartitionState, type Retention } from '../state/partition-state.ts'
import type { Processor } from './processor.ts'
import type { TpTable } from '../state/table.ts'
import { withTimeout } from '../with-timeout.ts'

export interface TickerOptions {
  evaluate: EvaluateConfig
  retention: Retention
  /** Longest wait for one partition's flush within a tick, ms. */
  flushTimeoutMs: number
  /** How often each owner recounts its partitions' unique customers, ms (a scan of every reached customer). */
  reachRefreshMs: number
}

export interface Ticker {
  /** Expires old entries, evaluates alert rules at `now`, then flushes every owned partition. Resolves with how many partitions were evaluated. */
  run(now: number): Promise<number>
  readonly gauges: GaugeSource
  /** Phone number → WABA and display number, as of the last tick. */
  numberInfo(phoneNumberId: string): NumberInfo | undefined
}

/** Least real time between two counts of changed reach entries, ms. */
const REACH_SCAN_MIN_MS = 1000

/**
 * One tick of the service. Alert rules read every partition's state: the owned ones from memory
 * (fresh), the others from the changelog view (committed, at most a flush interval old).
 */
export function createTicker (options: TickerOptions, deps: { processor: Processor, view: ChangelogView, owners: Owners }): Ticker {
  let reachAt = -Infinity
  let scannedAt = -Infinity
  let numbers = new Map<string, NumberInfo>()
  let numberGauges: NumberGauge[] = []
  let wabaGauges: WabaGauge[] = []

  function mergedTables (): TpTable[] {
    const own = new Set<string>()
    const out: TpTable[] = []
    for (const p of deps.processor.partitions()) {
      if (!p.state) continue
      own.add(tpKey(p.options.source, p.options.partition))
      out.push(p.state)
    }
    for (const [key, table] of deps.view.index.tables) if (!own.has(key)) out.push(table)
    return out
  }

  return {
    async run (now) {
      const parts = deps.processor.partitions()
      for (const p of parts) if (!p.state) p.ready().catch(() => {})
      const ready = parts.filter((p) => p.state)
      const tables = mergedTables()
      const base = collectContext(tables, now, options.evaluate.rateLimitWindowMs)
      // Each owner counts its partitions' customers when they changed (at most once a second of
      // real time: a scan of every entry) and all of them every reachRefreshMs (customers leave the
      // rolling 24 h as the clock moves).
      const numbersNow = base.numbers
      const portfolioOf = (pn: string) => options.evaluate.portfolios?.phonePortfolio(pn, (id) => numbersNow.get(id)?.wabaId || undefined)
      const refreshAll = now - reachAt >= options.reachRefreshMs
      const scanDue = performance.now() - scannedAt >= REACH_SCAN_MIN_MS
      if (refreshAll) reachAt = now
      if (refreshAll || scanDue) {
        scannedAt = performance.now()
        for (const p of ready) {
          const state = p.state!
          if (!refreshAll && !state.reachChanged) continue
          state.reachChanged = false
          publishReach(state, partitionReach(state, base.numbers, now, portfolioOf))
        }
      }
      const ctx: MergedContext = { ...base, reach: sumReach(tables) }
      numbers = ctx.numbers
      const nextNumbers: NumberGauge[] = []
      const nextWabas: WabaGauge[] = []
      for (const p of ready) {
        const state = p.state!
        expire(state, options.retention)
        if (state.source === 'r') nextNumbers.push(...evaluateResultsPartition(state, ctx, options.evaluate, deps.owners, now))
        if (state.source === 'e') nextWabas.push(...evaluateEventsPartition(state, ctx, options.evaluate, deps.owners, now))
      }
      numberGauges = nextNumbers
      wabaGauges = nextWabas
      await Promise.all(ready.map((p) => withTimeout(p.flush(), options.flushTimeoutMs)))
      return ready.length
    },
    gauges: {
      numbers: () => numberGauges,
      wabas: () => wabaGauges,
      alerts: () => deps.processor.partitions().flatMap((p): Alert[] => p.state ? firingAlerts(p.state) : []),
      dedup: () => {
        const total = { entries: 0, bytes: 0, evicted: 0 }
        for (const p of deps.processor.partitions()) {
          if (!p.state) continue
          total.entries += p.state.seen.size
          total.bytes += p.state.seen.bytes
          total.evicted += p.state.seen.evicted
        }
        return total
      }
    },
    numberInfo: (id) => numbers.get(id)
  }
}

/** Writes a partition's own distinct-customer counts as props (changelogged), dropping scopes no longer reached. */
function publishReach (state: PartitionState, stats: ReachStats): void {
  const wanted = new Map<string, string>()
  for (const [pn, n] of stats.byNumber) wanted.set(REACH_PROP.number + pn, String(n))
  for (const [waba, n] of stats.byWaba) wanted.set(REACH_PROP.waba + waba, String(n))
  for (const [portfolio, n] of stats.byPortfolio) wanted.set(REACH_PROP.portfolio + portfolio, String(n))
  for (const rest of [...state.props.keys()]) if (rest.startsWith('x|reach|') && !wanted.has(rest)) setProp(state, rest, undefined)
  for (const [rest, value] of wanted) setProp(state, rest, value)
}
