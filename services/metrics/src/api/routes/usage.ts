import type { FastifyPluginAsync } from 'fastify'
import { createUsagePricing, type UsagePricing } from '../../pricing/usage-pricing.ts'
import { buildUsageReport } from '../usage-report.ts'
import { parseUsageQuery } from '../usage-query.ts'
import type { QueryView } from '../query-view.ts'

/**
 * GET /v1/usage?start=&end=&granularity=&phone_number_id=&waba_id=&metric_types=&dimensions=&phone_numbers=&country_codes=&pricing_types=&pricing_categories=
 * `pricing`: default the example rate card, one portfolio per WABA.
 */
export const usageRoutes: FastifyPluginAsync<{ view: QueryView, pricing?: UsagePricing | undefined }> = async (app, { view, pricing = createUsagePricing() }) => {
  app.addHook('onClose', async () => pricing.close())
  app.get('/v1/usage', async (req) => {
    const query = parseUsageQuery(req.query)
    return buildUsageReport(query, view.totals(), view.numbers(), view.reach(), pricing)
  })
}
