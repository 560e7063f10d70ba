import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { z } from 'zod'
import {
  acceptedCountQuerySchema, acceptedQuerySchema, faultRuleSchema, faultRulesSchema, inboundMessageSchema, inboundSchema, latencySchema,
  messagesQuerySchema, messagingTierSchema, phoneNumberSchema, statusOptionsSchema, templateCategoryChangeSchema, templateQualitySchema, templateSchema, templatesQuerySchema,
  templatesSchema, templateStatusChangeSchema, upgradeSchema, userPreferenceSchema, wabaSchema, windowSchema, windowsQuerySchema
} from '../control-schemas.ts'
import { errorBody, healthRoutes } from '@wabridge/process'
import type { AcceptedSend } from '../recorder.ts'
import type { GraphApiSimControl } from '../sim-control.ts'
import type { SimTemplateInput } from '../templates.ts'

/** Default and largest page of GET /_sim/accepted as JSON; NDJSON has no default limit. */
const PAGE_SIZE = 10_000
const MAX_PAGE_SIZE = 100_000

/** NDJSON lines in chunks of 1,000, so 20,000 sends never become one big string. */
function ndjson (sends: AcceptedSend[]): Readable {
  return Readable.from((function * () {
    for (let i = 0; i < sends.length; i += 1000) {
      yield sends.slice(i, i + 1000).map((s) => JSON.stringify(s) + '\n').join('')
    }
  })())
}

/** A window in the snake_case of the other /_sim answers, times as ms since the epoch (null: the user never wrote). */
function windowBody (w: ReturnType<GraphApiSimControl['window']>): Record<string, unknown> {
  const times = 'lastInboundAt' in w ? { last_inbound_at: w.lastInboundAt, expires_at: w.expiresAt } : { last_inbound_at: null, expires_at: null }
  return { phone_number_id: w.phoneNumberId, wa_id: w.waId, open: w.open, ...times }
}

function parse<S extends z.ZodType> (schema: S, value: unknown, reply: FastifyReply): z.output<S> | undefined {
  const r = schema.safeParse(value)
  if (r.success) return r.data
  void reply.code(400).send(errorBody('SIM_BAD_REQUEST', 'invalid request', { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) }))
  return undefined
}

/** The `/_sim/*` control and inspection endpoints; the same operations as the in-process API. */
export async function controlRoutes (app: FastifyInstance, opts: { control: GraphApiSimControl, isStopping: () => boolean }): Promise<void> {
  const sim = opts.control

  // /_sim/healthz and /_sim/readyz, in the shape every part shares (the root paths imitate the Graph API).
  await app.register(healthRoutes, { service: 'graph-api-sim', prefix: '/_sim', isStopping: opts.isStopping, checks: () => ({}) })
  app.get('/_sim/stats', async () => sim.stats())
  app.get('/_sim/counts', async () => sim.counts())
  app.post('/_sim/reset', async () => { sim.reset(); return { ok: true } })

  app.get('/_sim/messages', async (request, reply) => {
    const q = parse(messagesQuerySchema, request.query, reply)
    if (!q) return reply
    const messages = sim.accepted({
      ...(q.phone_number_id === undefined ? {} : { phoneNumberId: q.phone_number_id }),
      ...(q.to === undefined ? {} : { to: q.to }),
      ...(q.type === undefined ? {} : { type: q.type }),
      ...(q.biz_opaque_callback_data === undefined ? {} : { bizOpaqueCallbackData: q.biz_opaque_callback_data }),
      ...(q.user_agent === undefined ? {} : { userAgent: q.user_agent }),
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.until === undefined ? {} : { until: q.until }),
      ...(q.limit === undefined ? {} : { limit: q.limit })
    })
    return { count: messages.length, messages }
  })
  // Every accepted send without its body: a JSON page (`next` is the `after` of the following page,
  // null at the end) or, with format=ndjson or Accept: application/x-ndjson, one line per send.
  app.get('/_sim/accepted', async (request, reply) => {
    const q = parse(acceptedQuerySchema, request.query, reply)
    if (!q) return reply
    const afterSeq = q.after ?? 0
    if (q.format === 'ndjson' || (q.format === undefined && request.headers.accept?.includes('application/x-ndjson') === true)) {
      const sends = sim.acceptedSends({ afterSeq, ...(q.limit === undefined ? {} : { limit: q.limit }) })
      return reply.type('application/x-ndjson').send(ndjson(sends))
    }
    const limit = Math.min(q.limit ?? PAGE_SIZE, MAX_PAGE_SIZE)
    const page = sim.acceptedSends({ afterSeq, limit: limit + 1 })
    const sends = page.slice(0, limit)
    return { total: sim.counts().accepted, sends, next: page.length > limit ? sends[sends.length - 1]!.seq : null }
  })
  app.get('/_sim/accepted/count', async (request, reply) => {
    const q = parse(acceptedCountQuerySchema, request.query, reply)
    if (!q) return reply
    return { bizOpaqueCallbackData: q.biz_opaque_callback_data, count: sim.acceptedCount(q.biz_opaque_callback_data) }
  })
  app.get('/_sim/refused', async () => ({ refused: sim.refused() }))
  app.get('/_sim/duplicates', async () => ({ duplicates: sim.duplicates() }))

  app.get('/_sim/faults', async () => ({ faults: sim.faults() }))
  // A single rule is added; { rules: [...] } replaces the whole set.
  app.post('/_sim/faults', async (request, reply) => {
    const body = request.body as { rules?: unknown } | undefined
    if (body && Array.isArray(body.rules)) {
      const rules = parse(faultRulesSchema, body.rules, reply)
      if (!rules) return reply
      sim.setFaults(rules)
      return { faults: sim.faults() }
    }
    const rule = parse(faultRuleSchema, body, reply)
    if (!rule) return reply
    return { id: sim.addFault(rule) }
  })
  app.delete('/_sim/faults', async () => { sim.clearFaults(); return { ok: true } })
  app.delete<{ Params: { id: string } }>('/_sim/faults/:id', async (request, reply) =>
    sim.removeFault(request.params.id) ? { ok: true } : reply.code(404).send(errorBody('SIM_NOT_FOUND', 'no such fault')))

  app.put('/_sim/latency', async (request, reply) => {
    const dist = parse(latencySchema, request.body, reply)
    if (!dist) return reply
    sim.setLatency(dist)
    return { latency: dist }
  })
  app.put('/_sim/statuses', async (request, reply) => {
    const o = parse(statusOptionsSchema, request.body, reply)
    if (!o) return reply
    return { statuses: sim.setStatusOptions(o) }
  })
  app.put<{ Params: { id: string } }>('/_sim/phone-numbers/:id', async (request, reply) => {
    const c = parse(phoneNumberSchema, request.body, reply)
    if (!c) return reply
    return sim.setPhoneNumber(request.params.id, c)
  })

  // A throughput upgrade: 131057 for maintenanceMs, then the new level and limit, and the THROUGHPUT_UPGRADE webhook.
  app.post<{ Params: { id: string } }>('/_sim/phone-numbers/:id/upgrade', async (request, reply) => {
    const o = parse(upgradeSchema, request.body ?? {}, reply)
    if (!o) return reply
    return sim.upgradeThroughput(request.params.id, {
      ...(o.maintenanceMs === undefined ? {} : { maintenanceMs: o.maintenanceMs }),
      ...(o.level === undefined ? {} : { level: o.level }),
      ...(o.mps === undefined ? {} : { mps: o.mps })
    })
  })

  app.get('/_sim/inbound', async () => ({ runs: sim.inboundRuns() }))
  app.post('/_sim/inbound', async (request, reply) => {
    const o = parse(inboundSchema, request.body, reply)
    if (!o) return reply
    return { id: sim.startInbound(o) }
  })
  app.delete<{ Params: { id: string } }>('/_sim/inbound/:id', async (request, reply) =>
    sim.stopInbound(request.params.id) ? { ok: true } : reply.code(404).send(errorBody('SIM_NOT_FOUND', 'no such inbound run')))

  app.post('/_sim/inbound/message', async (request, reply) => {
    const o = parse(inboundMessageSchema, request.body, reply)
    if (!o) return reply
    sim.receiveMessage(o.phoneNumberId, o.from.replace(/^\+/, ''))
    return { ok: true }
  })

  // Customer service windows (131047 with SIM_ENFORCE_WINDOWS): open one without a webhook, read them.
  app.post('/_sim/windows', async (request, reply) => {
    const o = parse(windowSchema, request.body, reply)
    if (!o) return reply
    return windowBody(sim.openWindow({ phoneNumberId: o.phone_number_id, waId: o.wa_id, ...(o.last_inbound_at === undefined ? {} : { lastInboundAt: o.last_inbound_at }) }))
  })
  // With both phone_number_id and wa_id: that pair's window (open false when the user never wrote); else { windows: [...] }.
  app.get('/_sim/windows', async (request, reply) => {
    const q = parse(windowsQuerySchema, request.query, reply)
    if (!q) return reply
    if (q.phone_number_id !== undefined && q.wa_id !== undefined) return windowBody(sim.window(q.phone_number_id, q.wa_id))
    return { windows: sim.windows({ ...(q.phone_number_id === undefined ? {} : { phoneNumberId: q.phone_number_id }), ...(q.wa_id === undefined ? {} : { waId: q.wa_id }) }).map(windowBody) }
  })

  // Messaging limits: portfolios, their tiers and who they reached (issue 14).
  app.get('/_sim/portfolios', async () => ({ portfolios: sim.portfolios() }))
  app.get<{ Params: { id: string } }>('/_sim/portfolios/:id', async (request) => sim.portfolio({ portfolioId: request.params.id }))
  app.put<{ Params: { id: string } }>('/_sim/portfolios/:id/messaging-limit', async (request, reply) => {
    const o = parse(messagingTierSchema, request.body, reply)
    if (!o) return reply
    return sim.setMessagingTier(request.params.id, o.tier, o.webhookForm === undefined ? {} : { webhookForm: o.webhookForm })
  })
  app.put<{ Params: { id: string } }>('/_sim/wabas/:id', async (request, reply) => {
    const o = parse(wabaSchema, request.body, reply)
    if (!o) return reply
    return sim.setWabaPortfolio(request.params.id, o.portfolioId)
  })

  // Marketing opt-outs (131050) and the per-user marketing limit (131049).
  app.post('/_sim/user-preferences', async (request, reply) => {
    const o = parse(userPreferenceSchema, request.body, reply)
    if (!o) return reply
    return sim.setUserPreference(o)
  })
  app.get('/_sim/opt-outs', async () => ({ optOuts: sim.optOuts() }))
  app.get('/_sim/marketing-limited', async () => ({ waIds: sim.marketingLimited() }))
  app.put<{ Params: { waId: string } }>('/_sim/marketing-limited/:waId', async (request) => { sim.setMarketingLimited(request.params.waId, true); return { waIds: sim.marketingLimited() } })
  app.delete<{ Params: { waId: string } }>('/_sim/marketing-limited/:waId', async (request) => { sim.setMarketingLimited(request.params.waId, false); return { waIds: sim.marketingLimited() } })

  // The template catalogue (also served as GET /{version}/{waba-id}/message_templates).
  app.get('/_sim/templates', async (request, reply) => {
    const q = parse(templatesQuerySchema, request.query, reply)
    if (!q) return reply
    return { templates: sim.templates(q.waba_id) }
  })
  // One template, or { templates: [...] } for several; a template with the same WABA, name and language is replaced.
  app.post('/_sim/templates', async (request, reply) => {
    const body = request.body as { templates?: unknown } | undefined
    if (body && Array.isArray(body.templates)) {
      const list = parse(templatesSchema, body.templates, reply)
      if (!list) return reply
      return { templates: list.map((t) => sim.addTemplate(t as SimTemplateInput)) }
    }
    const t = parse(templateSchema, body, reply)
    if (!t) return reply
    return sim.addTemplate(t as SimTemplateInput)
  })
  app.delete<{ Params: { id: string } }>('/_sim/templates/:id', async (request, reply) =>
    sim.removeTemplate(request.params.id) ? { ok: true } : reply.code(404).send(errorBody('SIM_NOT_FOUND', 'no such template')))
  // A status change (PENDING → APPROVED, PAUSED, APPROVED again = unpause, DISABLED, REJECTED …) with its message_template_status_update webhook.
  app.post<{ Params: { id: string } }>('/_sim/templates/:id/status', async (request, reply) => {
    const o = parse(templateStatusChangeSchema, request.body, reply)
    if (!o) return reply
    return sim.setTemplateStatus(request.params.id, {
      status: o.status,
      ...(o.event === undefined ? {} : { event: o.event }),
      ...(o.reason === undefined ? {} : { reason: o.reason }),
      ...(o.title === undefined ? {} : { title: o.title }),
      ...(o.description === undefined ? {} : { description: o.description })
    })
  })
  // A quality rating change with its message_template_quality_update webhook.
  app.post<{ Params: { id: string } }>('/_sim/templates/:id/quality', async (request, reply) => {
    const o = parse(templateQualitySchema, request.body, reply)
    if (!o) return reply
    return sim.setTemplateQuality(request.params.id, o.quality_score)
  })
  // A category change with its template_category_update webhook (completed, or the impending notice).
  app.post<{ Params: { id: string } }>('/_sim/templates/:id/category', async (request, reply) => {
    const o = parse(templateCategoryChangeSchema, request.body, reply)
    if (!o) return reply
    return sim.setTemplateCategory(request.params.id, {
      category: o.category,
      ...(o.impending === undefined ? {} : { impending: o.impending }),
      ...(o.at === undefined ? {} : { at: o.at })
    })
  })
}
