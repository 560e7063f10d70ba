import type { Alert } from '@wabridge/schemas'
import { firingAlerts } from '../alerts/alert-state.ts'
import type { ChangelogView } from '../changelog/changelog-view.ts'
import { collectContext, computeReach, type NumberInfo, type ReachStats } from '../alerts/context.ts'
import { evaluateEventsPartition, evaluateResultsPartition, type EvaluateConfig, type NumberGauge, type Owners, type WabaGauge } from '../alerts/evaluate.ts'
import type { GaugeSource } from '../instruments.ts'
import { tpKey } from '../state/keys.ts'
import { expire, type Retention } from '../state/partition-state.ts'
import type { Processor } from './processor.ts'
import type { TpTable } from '../state/table.ts'
import { withTimeout } from '../with-timeout.ts'

export interface TickerOptions {
  evaluate: EvaluateConfig
  retention: Retention
  /** Longest wait for one partition's flush within a tick, ms. */
  flushTimeoutMs: number
  /** How often unique customers are recounted, ms (a scan of every reached customer). */
  reachRefreshMs: number
}

export interface Ticker {
  /** Expires old entries, evaluates alert rules at `now`, then flushes every owned partition. Resolves with how many partitions were evaluated. */
  run(now: number): Promise<number>
  readonly gauges: GaugeSource
  /** Phone number → WABA and display number, as of the last tick. */
  numberInfo(phoneNumberId: string): NumberInfo | undefined
}

/**
 * One tick of the service. Alert rules read every partition's state: the owned ones from memory
 * (fresh), the others from the changelog view (committed, at most a flush interval old).
 */
export function createTicker (options: TickerOptions, deps: { processor: Processor, view: ChangelogView, owners: Owners }): Ticker {
  let reach: ReachStats = { byNumber: new Map(), byWaba: new Map() }
  let reachAt = -Infinity
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
      let ctx = collectContext(tables, now, options.evaluate.rateLimitWindowMs, reach)
      if (now - reachAt >= options.reachRefreshMs) {
        reach = computeReach(tables, ctx.numbers, now)
        reachAt = now
        ctx = { ...ctx, reach }
      }
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
      alerts: () => deps.processor.partitions().flatMap((p): Alert[] => p.state ? firingAlerts(p.state) : [])
    },
    numberInfo: (id) => numbers.get(id)
  }
}
