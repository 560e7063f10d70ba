import type { Alert } from '@wabridge/schemas'
import { firingAlerts } from '../alerts/alert-state.ts'
import type { ChangelogView } from '../changelog/changelog-view.ts'
import { collectContext, computeReach, type NumberInfo, type ReachStats } from '../alerts/context.ts'
import type { ViewIndex } from '../changelog/view-index.ts'

/** What the HTTP API reads: committed state only, the same on every instance. */
export interface QueryView {
  totals(): ViewIndex['totals']
  numbers(): Map<string, NumberInfo>
  /** Unique customers in the 24 h before now. */
  reach(): ReachStats
  alerts(): Alert[]
}

export function createQueryView (view: ChangelogView, clock: () => number): QueryView {
  const tables = () => [...view.index.tables.values()]
  const numbers = () => collectContext(tables(), clock(), 1000, { byNumber: new Map(), byWaba: new Map() }).numbers
  return {
    totals: () => view.index.totals,
    numbers,
    reach: () => computeReach(tables(), numbers(), clock()),
    alerts: () => tables().flatMap((t) => firingAlerts(t))
  }
}
