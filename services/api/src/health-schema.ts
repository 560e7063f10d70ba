import { z } from 'zod'

/** The body of /healthz and /readyz (HealthBody of @wabridge/process), for the OpenAPI document. */
export const healthBodySchema = z.object({
  status: z.enum(['ok', 'ready', 'not_ready', 'stopping']),
  service: z.string(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.unknown().optional() }))
}).meta({ id: 'HealthBody' })
