import Fastify, { type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'

export interface EgressReadiness {
  /** start() finished: consuming, committing and listening. */
  isStarted: boolean
  /** The group is rebalancing (or has not assigned yet): no send may start. */
  isFenced: boolean
  /** Partitions of the requests topic this instance owns. */
  partitions: number[]
  buffered: number
  inFlight: number
}

/**
 * What egress's /readyz depends on. An instance that owns no partition, or is fenced by a
 * rebalance, sends nothing: it is not ready (more replicas than partitions leave some unready).
 */
export function readinessChecks (state: EgressReadiness): Record<string, HealthCheck> {
  return {
    started: { ok: state.isStarted },
    partitions: { ok: state.partitions.length > 0, detail: { owned: state.partitions, buffered: state.buffered, inFlight: state.inFlight } },
    fence: { ok: !state.isFenced, detail: state.isFenced ? 'rebalancing: no send starts' : 'sending' }
  }
}

export interface HealthServerOptions {
  isStopping: () => boolean
  checks: () => Record<string, HealthCheck>
}

/** Egress's only HTTP server: /healthz and /readyz in the shape every part shares. */
export function buildHealthServer (options: HealthServerOptions): FastifyInstance {
  // Probes are frequent and carry nothing worth logging.
  const app = Fastify({ logger: false })
  useErrorBody(app, { prefix: 'EGRESS' })
  app.register(healthRoutes, { service: 'egress', ...options })
  return app
}
