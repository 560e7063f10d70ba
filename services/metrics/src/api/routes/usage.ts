import type { FastifyPluginAsync } from 'fastify'
import { buildUsageReport } from '../usage-report.ts'
import { parseUsageQuery } from '../usage-query.ts'
import type { QueryView } from '../query-view.ts'

/** GET /v1/usage?phone_number_id=&waba_id=&start=&end=&granularity=HALF_HOUR|DAILY|MONTHLY */
export const usageRoutes: FastifyPluginAsync<{ view: QueryView }> = async (app, { view }) => {
  app.get('/v1/usage', async (req) => {
    const query = parseUsageQuery(req.query)
    return buildUsageReport(query, view.totals(), view.numbers(), view.reach())
  })
}
