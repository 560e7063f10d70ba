import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { z } from 'zod'
import { MAX_SEND_AHEAD_MS, type Campaign } from '@wabridge/schemas'
import { parseAudience, parseAudienceRecords, type ParsedAudience } from '../audience.ts'
import type { AudienceStore } from '../audience-store.ts'
import type { CampaignView } from '../campaign-view.ts'
import type { CommandOutcome, CommandSender } from '../command-sender.ts'
import { toDefinition, type NewCampaign } from '../definition.ts'
import { CampaignRequestError } from '../errors.ts'
import { AudienceJsonSchema, AudienceQuerySchema, CampaignIdParamsSchema, ListCampaignsQuerySchema, NewCampaignSchema } from '../http-schemas.ts'
import { templateMismatch, type KnownTemplate } from '../template.ts'

/**
 * Where templates come from for the check before a campaign starts. find() resolves with the
 * template, null when Meta has no such template (name and language), undefined when it cannot tell.
 */
export interface TemplateLookup {
  find(o: { phoneNumberId: string, wabaId: string | null, name: string, language: string }): Promise<KnownTemplate | null | undefined>
}

export interface CampaignRoutesOptions {
  view: CampaignView
  send: CommandSender
  audiences: AudienceStore
  clock: () => number
  defaultRegion: string | undefined
  wabaOf: (phoneNumberId: string) => string | undefined
  /** Reads every record of a topic (audience from a topic). */
  readTopic: (topic: string) => Promise<Array<Record<string, unknown>>>
  templates?: TemplateLookup | undefined
  maxAudienceBytes: number
}

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()
const INVALID_ROWS_SHOWN = 1000

/** A campaign as the API shows it: the record without its recipient bytes, times as RFC 3339. */
export function toCampaignJson (c: Campaign, now: number) {
  return {
    id: c.id,
    name: c.name,
    phone_number_id: c.phone_number_id,
    waba_id: c.waba_id,
    state: c.state,
    held: c.state === 'running' && c.held_until !== null && c.held_until > now,
    template: JSON.parse(c.template_json) as unknown,
    send_at: iso(c.send_at),
    rate_cap_mps: c.rate_cap_mps,
    window: c.window_start && c.window_end ? { start: c.window_start, end: c.window_end } : null,
    end_by: iso(c.end_by),
    default_region: c.default_region,
    metadata: c.metadata,
    audience: { upload_id: c.audience_upload, size: c.audience_size, invalid: c.invalid_rows, duplicates: c.duplicate_rows, invalid_rows: c.invalid_json ? JSON.parse(c.invalid_json) as Array<{ line: number, reason: string }> : [] },
    progress: {
      queued: c.queued,
      sent: c.sent,
      delivered: c.delivered,
      read: c.read,
      failed: c.failed,
      suppressed: c.suppressed,
      skipped: c.skipped,
      deferred: c.deferred,
      failed_by_code: c.failed_by_code,
      pending: Math.max(0, c.audience_size - c.queued - c.sent - c.failed - c.suppressed - c.skipped)
    },
    held_until: iso(c.held_until),
    created_at: iso(c.created_at)!,
    started_at: iso(c.started_at),
    finished_at: iso(c.finished_at),
    updated_at: iso(c.updated_at)!,
    last_command_error: c.last_command_error
  }
}

function parse<T extends z.ZodType> (schema: T, value: unknown, code: 'CAMPAIGNS_BAD_CAMPAIGN' | 'CAMPAIGNS_BAD_AUDIENCE' = 'CAMPAIGNS_BAD_CAMPAIGN'): z.output<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new CampaignRequestError(code, parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '))
  return parsed.data
}

export async function campaignRoutes (app: FastifyInstance, o: CampaignRoutesOptions): Promise<void> {
  const { view, send, clock } = o
  // Audience files: the raw text (CSV, NDJSON), up to CAMPAIGNS_MAX_AUDIENCE_BYTES.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson', 'application/ndjson', 'text/plain'], { parseAs: 'string', bodyLimit: o.maxAudienceBytes }, (_req, body, done) => done(null, body))

  function campaignOf (id: string): Campaign {
    const c = view.get(id)
    if (!c) throw new CampaignRequestError('CAMPAIGNS_NOT_FOUND', `no campaign ${id}`)
    return c
  }

  /** 200 with the campaign once applied; 409 when the owner refused; 202 when no owner applied it in time. */
  function answer (reply: FastifyReply, id: string, outcome: CommandOutcome, code = 200) {
    if (!outcome.applied) {
      return reply.code(202).send({ campaign_id: id, command_id: outcome.commandId, applied: false, message: 'accepted: no campaigns instance applied it yet; it applies when one runs' })
    }
    if (outcome.campaign.last_command_error) throw new CampaignRequestError('CAMPAIGNS_CONFLICT', outcome.campaign.last_command_error)
    return reply.code(code).send(toCampaignJson(outcome.campaign, clock()))
  }

  async function setAudience (c: Pick<Campaign, 'id' | 'phone_number_id'>, parsed: ParsedAudience) {
    const summary = await o.audiences.write(c.id, parsed)
    return { summary, outcome: await send(c.id, c.phone_number_id, 'audience', summary) }
  }

  async function checkTemplate (body: NewCampaign, wabaId: string | null): Promise<void> {
    if (!o.templates) return
    const language = body.template.language.code
    const known = await o.templates.find({ phoneNumberId: body.phone_number_id, wabaId, name: body.template.name, language })
    if (known === null) throw new CampaignRequestError('CAMPAIGNS_UNKNOWN_TEMPLATE', `no template ${body.template.name} in ${language}`)
    if (known === undefined) return
    const problem = templateMismatch(body.template, known)
    if (problem) throw new CampaignRequestError('CAMPAIGNS_TEMPLATE_MISMATCH', problem)
  }

  app.get('/v1/campaigns', async (request) => {
    const q = parse(ListCampaignsQuerySchema, request.query)
    const now = clock()
    const list = view.list()
      .filter((c) => (q.state === undefined || c.state === q.state) && (q.phone_number_id === undefined || c.phone_number_id === q.phone_number_id))
      .sort((a, b) => b.created_at - a.created_at)
    return { campaigns: list.map((c) => toCampaignJson(c, now)) }
  })

  app.get('/v1/campaigns/:id', async (request) => toCampaignJson(campaignOf(parse(CampaignIdParamsSchema, request.params).id), clock()))

  app.post('/v1/campaigns', async (request, reply) => {
    const body = parse(NewCampaignSchema, request.body)
    const now = clock()
    if (body.send_at !== undefined && Date.parse(body.send_at) > now + MAX_SEND_AHEAD_MS) throw new CampaignRequestError('CAMPAIGNS_BAD_CAMPAIGN', 'send_at: at most 365 days ahead')
    if (body.end_by !== undefined && Date.parse(body.end_by) <= Math.max(now, body.send_at === undefined ? 0 : Date.parse(body.send_at))) throw new CampaignRequestError('CAMPAIGNS_BAD_CAMPAIGN', 'end_by: must be after now and after send_at')
    const id = randomUUID().replaceAll('-', '').slice(0, 16)
    const definition = toDefinition(id, body, o.wabaOf)
    await checkTemplate(body, definition.waba_id)
    // The audience is read before anything is written: a bad one refuses the whole request.
    let parsed: ParsedAudience | undefined
    const region = body.default_region ?? o.defaultRegion
    if (body.recipients) parsed = parseAudienceRecords(body.recipients, { defaultRegion: region })
    else if (body.audience_topic) parsed = parseAudienceRecords(await o.readTopic(body.audience_topic), { defaultRegion: region })
    const created = await send(id, body.phone_number_id, 'create', definition)
    if (!parsed || !created.applied) return answer(reply, id, created, 201)
    const { outcome } = await setAudience({ id, phone_number_id: body.phone_number_id }, parsed)
    if (!outcome.applied) return answer(reply, id, outcome, 201)
    const json = toCampaignJson(outcome.campaign, clock())
    // Every refused row (up to 1,000) in the answer; the record keeps the first 100.
    return reply.code(201).send({ ...json, audience: { ...json.audience, invalid_rows: parsed.invalid.slice(0, INVALID_ROWS_SHOWN) } })
  })

  app.post('/v1/campaigns/:id/audience', async (request, reply) => {
    const c = campaignOf(parse(CampaignIdParamsSchema, request.params).id)
    if (c.state !== 'draft') throw new CampaignRequestError('CAMPAIGNS_CONFLICT', `the audience can only be changed in draft, not ${c.state}`)
    const { format } = parse(AudienceQuerySchema, request.query, 'CAMPAIGNS_BAD_AUDIENCE')
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim()
    const region = c.default_region ?? o.defaultRegion
    let parsed: ParsedAudience
    if (typeof request.body === 'string') {
      const f = format ?? (type === 'text/csv' ? 'csv' : type.endsWith('ndjson') ? 'ndjson' : undefined)
      if (!f) throw new CampaignRequestError('CAMPAIGNS_BAD_AUDIENCE', 'say the format: Content-Type text/csv or application/x-ndjson, or ?format=csv|ndjson')
      try {
        parsed = parseAudience(request.body, f, { defaultRegion: region })
      } catch (err) {
        throw new CampaignRequestError('CAMPAIGNS_BAD_AUDIENCE', `the ${f} file cannot be read: ${(err as Error).message}`)
      }
    } else {
      const body = parse(AudienceJsonSchema, request.body, 'CAMPAIGNS_BAD_AUDIENCE')
      parsed = parseAudienceRecords('recipients' in body ? body.recipients : await o.readTopic(body.topic), { defaultRegion: region })
    }
    const { summary, outcome } = await setAudience(c, parsed)
    if (!outcome.applied || outcome.campaign.last_command_error) return answer(reply, c.id, outcome)
    return { campaign: toCampaignJson(outcome.campaign, clock()), accepted: summary.size, invalid: summary.invalid, duplicates: summary.duplicates, invalid_rows: parsed.invalid.slice(0, INVALID_ROWS_SHOWN) }
  })

  for (const command of ['start', 'pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/campaigns/:id/${command}`, async (request, reply) => {
      const c = campaignOf(parse(CampaignIdParamsSchema, request.params).id)
      return answer(reply, c.id, await send(c.id, c.phone_number_id, command))
    })
  }
}
