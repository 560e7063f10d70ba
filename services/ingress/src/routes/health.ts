import type { HealthCheck } from '@wabridge/process'

export interface IngressReadiness {
  /** Topics ensured and the server listening (start() got that far). */
  isStarted: boolean
  /** The producer is connected: webhooks can be acknowledged only once Kafka took their records. */
  isProducerConnected: boolean
}

/** What the ingress's /readyz depends on (the routes are @wabridge/process healthRoutes). */
export function readinessChecks (state: IngressReadiness): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    kafka: { ok: state.isProducerConnected, detail: state.isProducerConnected ? 'producer connected' : 'producer not connected' }
  }
}
