import type { FastifyPluginAsync } from 'fastify'
import { MetricsQueryError } from '../../errors.ts'
import { AlertsQuerySchema } from '../http-schemas.ts'
import type { QueryView } from '../query-view.ts'

/** GET /v1/alerts: alerts firing now, oldest first. */
export const alertRoutes: FastifyPluginAsync<{ view: QueryView }> = async (app, { view }) => {
  app.get('/v1/alerts', async (req) => {
    const parsed = AlertsQuerySchema.safeParse(req.query ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined
      throw new MetricsQueryError(`unknown parameter '${unknown}'; /v1/alerts takes none`, unknown)
    }
    const data = view.alerts().sort((a, b) => a.fired_at - b.fired_at || a.alert_id.localeCompare(b.alert_id))
    return { data }
  })
}
