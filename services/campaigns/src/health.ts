import type { HealthCheck } from '@wabridge/process'

export interface CampaignsReadiness {
  /** start() finished: views caught up, consumers started, listening. */
  isStarted: boolean
  /** Commands partitions owned by this instance, and how many of them are restored. */
  owned: number
  ready: number
}

/** What the campaigns service's /readyz depends on (the routes are @wabridge/process healthRoutes). */
export function readinessChecks (state: CampaignsReadiness): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    partitions: { ok: state.isStarted && state.ready === state.owned, detail: `${state.ready} of ${state.owned} commands partitions restored` }
  }
}
