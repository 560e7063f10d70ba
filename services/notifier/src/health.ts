import type { HealthCheck } from '@wabridge/process'

export interface NotifierReadiness {
  /** start() finished: views caught up, consuming wa.alerts, listening. */
  isStarted: boolean
  /** Alert partitions owned by this instance, and how many of them are read up and may notify. */
  owned: number
  ready: number
}

/** What the notifier's /readyz depends on (the routes are @wabridge/process healthRoutes). */
export function readinessChecks (state: NotifierReadiness): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    partitions: { ok: state.isStarted, detail: `${state.ready} of ${state.owned} alert partitions read up` }
  }
}
