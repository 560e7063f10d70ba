import type { HealthCheck } from '@wabridge/process'

/**
 * What the conversations service's /readyz depends on: started, the window keeper has read
 * wa.windows and joined its group, and every mounted part is ready.
 */
export function readinessChecks (state: { isStarted: boolean, windowsLoaded: boolean, parts?: boolean[] }): Record<string, HealthCheck> {
  const parts = state.parts ?? []
  return {
    started: { ok: state.isStarted },
    windows: { ok: state.windowsLoaded, detail: state.windowsLoaded ? 'windows loaded, keeper group joined' : 'loading windows' },
    ...(parts.length > 0 && { parts: { ok: parts.every(Boolean), detail: `${parts.filter(Boolean).length} of ${parts.length} parts ready` } })
  }
}
