import type { FastifyInstance } from 'fastify'
import { z, type ZodType } from 'zod'
import type { ZodOpenApiPathsObject, ZodOpenApiResponsesObject } from 'zod-openapi'
import { adminGuardResponses, errorBody, errorBodySchema, errorResponse, jsonContent as json } from '@wabridge/process'
import type { TemplateEntry } from '@wabridge/schemas'
import type { TemplateCatalogView } from './catalog-view.ts'
import type { WabaSyncResult } from './catalog-writer.ts'

// The zod schemas of the template catalogue's HTTP API (mounted into the conversations service): the
// routes validate with them and the service's /openapi.json is generated from them.

export const TEMPLATE_HTTP_ERROR_CODES = ['CONVERSATIONS_TEMPLATE_NOT_FOUND', 'CONVERSATIONS_BAD_TEMPLATE_QUERY'] as const

export const TemplateErrorBodySchema = errorBodySchema({
  codes: `Upper snake case constant to branch on: ${TEMPLATE_HTTP_ERROR_CODES.join(', ')}, CONVERSATIONS_UNAUTHORIZED, CONVERSATIONS_ADMIN_TOKEN_MISSING, or CONVERSATIONS_INTERNAL.`
})

const iso = z.iso.datetime().nullable()

export const TemplateJsonSchema = z.object({
  waba_id: z.string(),
  name: z.string(),
  language: z.string().meta({ description: 'As the templates API spells it (en_US).' }),
  template_id: z.string().nullable(),
  status: z.string().meta({ description: 'APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … as Meta says.' }),
  category: z.string().nullable(),
  sub_category: z.string().nullable(),
  parameter_format: z.string().nullable(),
  components: z.array(z.looseObject({ type: z.string() })).nullable().meta({ description: 'The definition as the templates API returns it; null until a sync read it (a template first known from a webhook).' }),
  quality_score: z.string().nullable(),
  reason: z.string().nullable(),
  status_changed_at: iso,
  synced_at: iso,
  source: z.string().meta({ description: '\'sync\' or the webhook field that wrote this version.' }),
  updated_at: z.iso.datetime()
}).meta({ id: 'Template' })

export const TemplateListSchema = z.object({ templates: z.array(TemplateJsonSchema), count: z.number().int() }).meta({ id: 'TemplateList' })

export const TemplateListQuerySchema = z.object({
  waba_id: z.string().regex(/^\d{1,30}$/).optional().meta({ description: 'Only this WABA.' }),
  status: z.string().regex(/^[A-Za-z_]{1,40}$/).optional().meta({ description: 'Only this status (case-insensitive), e.g. APPROVED, PAUSED.' }),
  name: z.string().regex(/^[a-z0-9_]{1,512}$/).optional().meta({ description: 'Only this template name.' })
})

export const TemplateParamsSchema = z.object({
  waba_id: z.string().regex(/^\d{1,30}$/),
  name: z.string().regex(/^[a-z0-9_]{1,512}$/),
  language: z.string().regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/).meta({ description: 'en_US or en-US.' })
})

export const TemplateSyncBodySchema = z.object({
  waba_id: z.union([z.string().regex(/^\d{1,30}$/), z.array(z.string().regex(/^\d{1,30}$/)).min(1).max(100)]).optional()
    .meta({ description: 'The WABA(s) to sync; default every configured one.' })
}).meta({ id: 'TemplateSyncRequest' })

export const TemplateSyncAnswerSchema = z.object({
  results: z.array(z.object({
    waba_id: z.string(),
    ok: z.boolean(),
    error: z.string().optional(),
    listed: z.number().int(),
    written: z.number().int(),
    removed: z.number().int(),
    unchanged: z.number().int(),
    changes: z.array(z.object({
      key: z.string(),
      name: z.string(),
      language: z.string(),
      change: z.enum(['written', 'removed']),
      status: z.string().nullable(),
      previous_status: z.string().nullable()
    })),
    at: z.iso.datetime()
  }))
}).meta({ id: 'TemplateSyncAnswer' })

const isoOf = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()

function componentsOf (json: string | null): Array<{ type: string }> | null {
  if (json === null) return null
  try {
    const parsed = JSON.parse(json) as unknown
    return Array.isArray(parsed) ? parsed as Array<{ type: string }> : null
  } catch {
    return null
  }
}

/** An entry as the API answers it: times ISO 8601, the components parsed. */
export function templateJson (e: TemplateEntry): z.infer<typeof TemplateJsonSchema> {
  const { components_json: componentsJson, ...rest } = e
  return { ...rest, components: componentsOf(componentsJson), status_changed_at: isoOf(e.status_changed_at), synced_at: isoOf(e.synced_at), updated_at: new Date(e.updated_at).toISOString() }
}

const syncJson = (r: WabaSyncResult) => ({ ...r, at: new Date(r.at).toISOString() })

/** The template routes: the catalogue (from the view) and a sync now. */
export async function templateRoutes (app: FastifyInstance, options: { view: TemplateCatalogView, sync: (wabaIds?: readonly string[]) => Promise<WabaSyncResult[]> }): Promise<void> {
  const { view } = options
  app.get('/v1/templates', async (request, reply) => {
    const q = TemplateListQuerySchema.safeParse(request.query)
    if (!q.success) return await reply.code(400).send(errorBody('CONVERSATIONS_BAD_TEMPLATE_QUERY', 'waba_id must be digits, status letters and _, name a template name'))
    const status = q.data.status?.toUpperCase()
    const templates = view.list(q.data.waba_id).filter((e) => (status === undefined || e.status === status) && (q.data.name === undefined || e.name === q.data.name))
    return { templates: templates.map(templateJson), count: templates.length }
  })
  app.get('/v1/templates/:waba_id/:name/:language', async (request, reply) => {
    const p = TemplateParamsSchema.safeParse(request.params)
    if (!p.success) return await reply.code(400).send(errorBody('CONVERSATIONS_BAD_TEMPLATE_QUERY', 'waba_id must be digits, name a template name, language like en_US'))
    const { waba_id: waba, name, language } = p.data
    const entry = view.lookup(waba, name, language)
    if (!entry) {
      const known = view.languagesOf(waba, name)
      return await reply.code(404).send(errorBody('CONVERSATIONS_TEMPLATE_NOT_FOUND',
        `the catalogue has no template ${name} in ${language} for WABA ${waba}` + (known.length > 0 ? ` (languages known: ${known.join(', ')})` : ''), { languages: known }))
    }
    return templateJson(entry)
  })
  app.post('/v1/templates/sync', async (request, reply) => {
    const b = TemplateSyncBodySchema.safeParse(request.body ?? {})
    if (!b.success) return await reply.code(400).send(errorBody('CONVERSATIONS_BAD_TEMPLATE_QUERY', 'waba_id must be a WABA id (digits) or a list of them'))
    const wabas = b.data.waba_id === undefined ? undefined : Array.isArray(b.data.waba_id) ? b.data.waba_id : [b.data.waba_id]
    return { results: (await options.sync(wabas)).map(syncJson) }
  })
}

/**
 * The OpenAPI paths of templateRoutes, their errors described with `errorBody` (the service's own
 * ErrorBody schema: one document has one schema of that id).
 */
export function templatePaths (errorBody: ZodType = TemplateErrorBodySchema): ZodOpenApiPathsObject {
  const error = (description: string) => errorResponse(errorBody, description)
  const ADMIN_ERRORS: ZodOpenApiResponsesObject = {
    ...adminGuardResponses(errorBody, {
      401: 'CONVERSATIONS_ADMIN_TOKEN is set and the request has no or another bearer token (CONVERSATIONS_UNAUTHORIZED).',
      403: 'No admin token is configured and the server is bound off loopback: /v1/* are disabled (CONVERSATIONS_ADMIN_TOKEN_MISSING).'
    })
  }
  const INTERNAL = { 500: error('An unexpected error (CONVERSATIONS_INTERNAL).') }
  const BAD = (what: string) => ({ 400: error(`${what} (CONVERSATIONS_BAD_TEMPLATE_QUERY).`) })
  return {
    '/v1/templates': {
      get: {
        operationId: 'listTemplates',
        summary: 'The template catalogue: every template (one name in one language) of every WABA, or of one',
        description: 'Read from the compacted wa.templates (synced from GET /{waba}/message_templates and the template webhooks). See docs/conversations.md.',
        security: [{ adminToken: [] }],
        requestParams: { query: TemplateListQuerySchema },
        responses: { 200: { description: 'The templates, sorted by name and language.', content: json(TemplateListSchema) }, ...BAD('A filter is malformed'), ...ADMIN_ERRORS, ...INTERNAL }
      }
    },
    '/v1/templates/{waba_id}/{name}/{language}': {
      get: {
        operationId: 'getTemplate',
        summary: 'One template in one language, as the catalogue knows it',
        security: [{ adminToken: [] }],
        requestParams: { path: TemplateParamsSchema },
        responses: {
          200: { description: 'The template.', content: json(TemplateJsonSchema) },
          ...BAD('waba_id, name or language is malformed'),
          404: error('The catalogue has no such template in that language; `languages` lists those it has (CONVERSATIONS_TEMPLATE_NOT_FOUND).'),
          ...ADMIN_ERRORS,
          ...INTERNAL
        }
      }
    },
    '/v1/templates/sync': {
      post: {
        operationId: 'syncTemplates',
        summary: 'Sync the catalogue with the Graph API now',
        description: 'Lists every template of the WABA(s) (all pages), writes what changed to wa.templates and tombstones what is no longer listed; answers what changed. A failed listing (after its retries) is reported with ok false and changes nothing.',
        security: [{ adminToken: [] }],
        requestBody: { required: false, content: json(TemplateSyncBodySchema) },
        responses: { 200: { description: 'The outcome per WABA.', content: json(TemplateSyncAnswerSchema) }, ...BAD('waba_id is malformed'), ...ADMIN_ERRORS, ...INTERNAL }
      }
    }
  }
}

/** The paths with the catalogue's own ErrorBody (for a document of the catalogue alone). */
export const TEMPLATE_PATHS: ZodOpenApiPathsObject = templatePaths()
