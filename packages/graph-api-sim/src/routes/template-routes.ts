import type { FastifyInstance } from 'fastify'
import { checkBusinessToken } from '../business-nodes.ts'
import { isApiVersion } from '../check-token.ts'
import { invalidParameter, metaError } from '../meta-errors.ts'
import type { SimContext } from '../sim-context.ts'
import { normalizeLanguage, type SimTemplate } from '../templates.ts'

type Query = { fields?: string, limit?: string, after?: string, before?: string, name?: string, status?: string, category?: string, language?: string }

/** Meta's default fields of a template (id always comes). */
const DEFAULT_FIELDS = ['name', 'parameter_format', 'components', 'language', 'status', 'category', 'sub_category']
const DEFAULT_PAGE = 25
const MAX_PAGE = 1000

/** Opaque Graph-style cursors: the position of an item in the filtered list. */
const cursor = (index: number): string => Buffer.from(`sim:${index}`).toString('base64url')
function position (c: string | undefined): number | undefined {
  if (c === undefined) return undefined
  const m = /^sim:(\d+)$/.exec(Buffer.from(c, 'base64url').toString())
  return m ? Number(m[1]) : NaN
}

const list = (v: string | undefined): string[] | undefined => v === undefined ? undefined : v.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean)

function present (t: SimTemplate, fields: readonly string[]): Record<string, unknown> {
  const all: Record<string, unknown> = {
    name: t.name,
    parameter_format: t.parameterFormat,
    components: t.components,
    language: t.language,
    status: t.status,
    category: t.category,
    ...(t.subCategory === undefined ? {} : { sub_category: t.subCategory }),
    // Not a default field: only with fields=quality_score, once a rating was set.
    ...(t.qualityScore === undefined ? {} : { quality_score: { score: t.qualityScore } })
  }
  const out: Record<string, unknown> = {}
  for (const f of fields) if (f in all) out[f] = all[f]
  out.id = t.id
  return out
}

/**
 * `GET /{version}/{waba-id}/message_templates` (whatsapp-cloud-api-more.md §3.1): the WABA's
 * templates, filtered by `name` (contained, case-insensitive), `status`, `category`, `language`
 * (lists), with `fields`, `limit` (default 25) and Graph cursor paging (`after`, `before`,
 * `paging.cursors`, `paging.next` / `previous`).
 */
export async function templateRoutes (app: FastifyInstance, opts: { ctx: SimContext }): Promise<void> {
  const { ctx } = opts
  app.get<{ Params: { version: string, wabaId: string }, Querystring: Query }>('/:version/:wabaId/message_templates', async (request, reply) => {
    const { version, wabaId } = request.params
    if (!isApiVersion(version)) return reply.callNotFound()
    const tokenError = checkBusinessToken(ctx, request.headers.authorization, [wabaId])
    if (tokenError) return reply.code(tokenError.statusCode).send(tokenError.body)
    if (ctx.settings.strictPhoneNumbers && !ctx.limits.isWaba(wabaId)) {
      const r = metaError(100, { subcode: 33, message: `Unsupported get request. Object with ID '${wabaId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.` })
      return reply.code(r.statusCode).send(r.body)
    }
    const q = request.query
    const limit = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit)
    const after = position(q.after)
    const before = position(q.before)
    if (!Number.isInteger(limit) || limit < 1 || Number.isNaN(after) || Number.isNaN(before)) {
      const r = invalidParameter('Param limit must be a positive integer, and after/before cursors must come from paging')
      return reply.code(r.statusCode).send(r.body)
    }
    const statuses = list(q.status)
    const categories = list(q.category)
    const languages = q.language?.split(',').map((l) => normalizeLanguage(l))
    const name = q.name?.toLowerCase()
    const matching = ctx.templates.list(wabaId).filter((t) =>
      (name === undefined || t.name.toLowerCase().includes(name)) &&
      (statuses === undefined || statuses.includes(t.status)) &&
      (categories === undefined || categories.includes(t.category)) &&
      (languages === undefined || languages.includes(normalizeLanguage(t.language))))
    const size = Math.min(limit, MAX_PAGE)
    const start = after !== undefined ? after + 1 : before !== undefined ? Math.max(0, before - size) : 0
    const end = before !== undefined && after === undefined ? before : start + size
    const page = matching.slice(start, Math.min(end, matching.length))
    const fields = q.fields === undefined ? DEFAULT_FIELDS : q.fields.split(',').map((f) => f.trim())
    const body: Record<string, unknown> = { data: page.map((t) => present(t, fields)) }
    if (page.length > 0) {
      const base = `${request.protocol}://${request.host}/${version}/${encodeURIComponent(wabaId)}/message_templates`
      const link = (k: 'after' | 'before', c: string): string => {
        const params = new URLSearchParams(Object.entries(q).filter(([key, v]) => key !== 'after' && key !== 'before' && typeof v === 'string') as Array<[string, string]>)
        params.set('limit', String(size))
        params.set(k, c)
        return `${base}?${params.toString()}`
      }
      const paging: Record<string, unknown> = { cursors: { before: cursor(start), after: cursor(start + page.length - 1) } }
      if (start + page.length < matching.length) paging.next = link('after', cursor(start + page.length - 1))
      if (start > 0) paging.previous = link('before', cursor(start))
      body.paging = paging
    }
    return body
  })
}
