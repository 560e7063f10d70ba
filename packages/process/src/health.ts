import type { FastifyInstance } from 'fastify'

/** One thing readiness depends on. `detail` is shown as is (counts, ids; never secrets). */
export interface HealthCheck {
  ok: boolean
  detail?: unknown
}

/**
 * The body of /healthz and /readyz, the same for every part:
 * - /healthz: `ok` while the process answers (liveness never depends on Kafka);
 * - /readyz: `ready` (200) when every check is ok, else `not_ready` (503); `stopping` (503) once
 *   shutdown began, whatever the checks say.
 */
export interface HealthBody {
  status: 'ok' | 'ready' | 'not_ready' | 'stopping'
  service: string
  checks: Record<string, HealthCheck>
}

export interface HealthRoutesOptions {
  /** The part's name in every body ("ingress"). */
  service: string
  /** True once shutdown began. */
  isStopping: () => boolean
  /** What readiness depends on; called on every /readyz. */
  checks: () => Record<string, HealthCheck>
}

/** The readiness body and its HTTP status. */
export function readiness (options: Pick<HealthRoutesOptions, 'service' | 'isStopping' | 'checks'>): { statusCode: number, body: HealthBody } {
  const checks = options.checks()
  const status = options.isStopping() ? 'stopping' : Object.values(checks).every((c) => c.ok) ? 'ready' : 'not_ready'
  return { statusCode: status === 'ready' ? 200 : 503, body: { status, service: options.service, checks } }
}

/**
 * Registers GET /healthz and /readyz (a fastify plugin). fastify's own `prefix` register option
 * moves them, as the simulator does ("/_sim"), whose root paths imitate the Graph API.
 */
export async function healthRoutes (app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  app.get('/healthz', async (): Promise<HealthBody> => ({ status: 'ok', service: options.service, checks: {} }))
  app.get('/readyz', async (_request, reply) => {
    const { statusCode, body } = readiness(options)
    return reply.code(statusCode).send(body)
  })
}
