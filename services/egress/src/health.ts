import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { errorBody, healthRoutes, recordHttpRequests, useErrorBody, type HealthCheck } from '@wabridge/process'

export interface EgressReadiness {
  /** start() finished: consuming and listening. */
  isStarted: boolean
  /** The group assigned partitions at least once. */
  assignedOnce: boolean
  /** Partitions of the requests topic this instance owns, with their session state (opening, ready, recovering, lost). */
  sessions: Array<{ partition: number, state: string }>
  buffered: number
  inFlight: number
  /** The suppression list was read up to where it was at start (bulk requests are checked against it). */
  suppressions: { caughtUp: boolean, entries: number }
  /** The window tracker's first load (EGRESS_WINDOW_MODE enforce or warn). */
  windows?: { caughtUp: boolean, entries: number }
  /** The template catalogue's first load (EGRESS_TEMPLATE_CHECK=enforce). */
  templates?: { caughtUp: boolean }
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
    suppressions: { ok: state.suppressions.caughtUp, detail: { entries: state.suppressions.entries } },
    ...(state.windows && { windows: { ok: state.windows.caughtUp, detail: { entries: state.windows.entries } } }),
    ...(state.templates && { templates: { ok: state.templates.caughtUp } }),
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

/** Egress's only HTTP server: /healthz and /readyz in the shape every part shares (app.ts adds the admin routes). */
export function buildHealthServer (options: HealthServerOptions): FastifyInstance {
  const app = Fastify({
    // Probes are frequent and carry nothing worth logging.
    logger: false,
    // Longer than the longest id /numbers/:id/resume takes (128), so a longer one reaches the route and gets its 400.
    routerOptions: { maxParamLength: 512 },
    // The router's own refusals (a malformed percent-encoding, a parameter over maxParamLength)
    // bypass the error handler: they get the shared error body here.
    frameworkErrors: (err, _request, reply) => {
      const statusCode = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400
      void (reply as FastifyReply).code(statusCode).send(errorBody(statusCode === 414 ? 'EGRESS_URI_TOO_LONG' : 'EGRESS_BAD_REQUEST', err.message))
    }
  })
  // wabridge.http.requests and wabridge.http.request.duration, for every request answered.
  recordHttpRequests(app)
  useErrorBody(app, { prefix: 'EGRESS' })
  app.register(healthRoutes, { service: 'egress', ...options })
  return app
}
