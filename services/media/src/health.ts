import type { HealthCheck } from '@wabridge/process'

/** What the media worker's /readyz depends on: started, and every owned partition taken over (previous owner fenced). */
export function readinessChecks (state: { isStarted: boolean, owned: number, ready: number }): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    partitions: { ok: state.isStarted && state.ready === state.owned, detail: `${state.ready} of ${state.owned} inbound partitions taken over` }
  }
}
