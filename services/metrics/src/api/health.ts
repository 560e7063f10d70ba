import type { HealthCheck } from '@wabridge/process'

export interface MetricsReadiness {
  /** start() finished: consuming, flushing and listening. */
  isStarted: boolean
  /** The changelog view read up to the end it saw at start: answers cover every partition. */
  isViewCaughtUp: boolean
}

/** What the metrics service's /readyz depends on (the routes are @wabridge/process healthRoutes). */
export function readinessChecks (state: MetricsReadiness): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    changelog: { ok: state.isViewCaughtUp, detail: state.isViewCaughtUp ? 'caught up' : 'restoring' }
  }
}
