import Fastify, { type FastifyInstance } from 'fastify'
import { healthRoutes, useErrorBody, type HealthCheck } from '@wabridge/process'

export interface EgressReadiness {
  /** start() finished: consuming and listening. */
  isStarted: boolean
  /** The group assigned partitions at least once. */
  assignedOnce: boolean
  /** Partitions of the requests topic this instance owns, with their session state (opening, ready, recovering, lost). */
  sessions: Array<{ partition: number, state: string }>
  buffered: number
  inFlight: number
}

/**
 * What egress's /readyz depends on: started, and every partition it owns able to send (its
 * session ready: previous owner fenced, history read back, transactions working). An instance that
 * owns no partition sends nothing: not ready (more replicas than partitions leave some unready).
 */
export function readinessChecks (state: EgressReadiness): Record<string, HealthCheck> {
  const notReady = state.sessions.filter((s) => s.state !== 'ready')
  return {
    started: { ok: state.isStarted },
    partitions: { ok: state.sessions.length > 0, detail: { owned: state.sessions.map((s) => s.partition), buffered: state.buffered, inFlight: state.inFlight } },
    sessions: {
      ok: state.assignedOnce && notReady.length === 0,
      detail: notReady.length === 0 ? 'sending' : Object.fromEntries(notReady.map((s) => [String(s.partition), s.state]))
    }
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
