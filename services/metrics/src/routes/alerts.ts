import type { FastifyPluginAsync } from 'fastify'
import { MetricsQueryError } from '../errors.ts'
import type { QueryView } from '../query-view.ts'

/** GET /v1/alerts: alerts firing now, oldest first. */
export const alertRoutes: FastifyPluginAsync<{ view: QueryView }> = async (app, { view }) => {
  app.get('/v1/alerts', async (req) => {
    const unknown = Object.keys(req.query as object)
    if (unknown.length > 0) throw new MetricsQueryError(`unknown parameter '${unknown[0]}'; /v1/alerts takes none`, unknown[0])
    const data = view.alerts().sort((a, b) => a.fired_at - b.fired_at || a.alert_id.localeCompare(b.alert_id))
    return { data }
  })
}
