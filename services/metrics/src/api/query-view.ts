import type { Alert } from '@wabridge/schemas'
import { firingAlerts } from '../alerts/alert-state.ts'
import type { ChangelogView } from '../changelog/changelog-view.ts'
import { collectContext, sumReach, type NumberInfo, type ReachStats } from '../alerts/context.ts'
import type { ViewIndex } from '../changelog/view-index.ts'

/** What the HTTP API reads: committed state only, the same on every instance. */
export interface QueryView {
  totals(): ViewIndex['totals']
  numbers(): Map<string, NumberInfo>
  /** Unique customers in a rolling 24 h, as each partition's owner last counted and committed them. */
  reach(): ReachStats
  alerts(): Alert[]
}

export function createQueryView (view: ChangelogView, clock: () => number): QueryView {
  const tables = () => [...view.index.tables.values()]
  const numbers = () => collectContext(tables(), clock(), 1000).numbers
  return {
    totals: () => view.index.totals,
    numbers,
    reach: () => sumReach(tables()),
    alerts: () => tables().flatMap((t) => firingAlerts(t))
  }
}
