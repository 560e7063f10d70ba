/**
 * What happens to a catalogue template over time, as Meta announces it (whatsapp-cloud-api-more.md
 * §3.2, §3.3): review (PENDING → APPROVED after a configurable delay), pauses, unpauses, disabling,
 * quality changes; each change sent as a `message_template_status_update` or
 * `message_template_quality_update` webhook to the template's WABA (every known WABA for a shared
 * template). Sends follow the new status at once (checkTemplateSend).
 */
import type { SimContext } from './sim-context.ts'
import { normalizeLanguage, webhookLanguage, type SimTemplate, type SimTemplateInput, type TemplateCategory, type TemplateQuality } from './templates.ts'

/** `other_info.title` values of Meta's status webhook. */
export type TemplateInfoTitle = 'FIRST_PAUSE' | 'SECOND_PAUSE' | 'RATE_LIMITING_PAUSE' | 'UNPAUSE' | 'DISABLED'
export const TEMPLATE_INFO_TITLES: readonly TemplateInfoTitle[] = ['FIRST_PAUSE', 'SECOND_PAUSE', 'RATE_LIMITING_PAUSE', 'UNPAUSE', 'DISABLED']

/** A status change: the new status, and what the webhook says about it. */
export interface TemplateStatusChange {
  status: string
  /** The webhook's `event`; default the status (Meta also has events that are no status: FLAGGED, REINSTATED, LOCKED, …). */
  event?: string
  /** Default `NONE`; null as Meta sends for a template scheduled for deletion. */
  reason?: string | null
  /** `other_info.title`; default FIRST_PAUSE / SECOND_PAUSE on a pause, UNPAUSE when a paused template is approved again. */
  title?: TemplateInfoTitle
  /** `other_info.description`; a default sentence per title. */
  description?: string
}

function describe (title: TemplateInfoTitle, name: string): string {
  switch (title) {
    case 'FIRST_PAUSE': return `Template ${name} is paused for 3 hours because its quality rating is low.`
    case 'SECOND_PAUSE': return `Template ${name} is paused for 6 hours because its quality rating is low again.`
    case 'RATE_LIMITING_PAUSE': return `Template ${name} is paused by pacing; unpause it by hand.`
    case 'UNPAUSE': return `Template ${name} is no longer paused and can be sent again.`
    case 'DISABLED': return `Template ${name} is disabled after repeated pauses.`
  }
}

/** The `message_template_status_update` value for `t` (already in its new status), which had `previousStatus`. */
export function templateStatusValue (t: SimTemplate, previousStatus: string | undefined, change: Omit<TemplateStatusChange, 'status'>, nowMs: number): Record<string, unknown> {
  const title = change.title ??
    (t.status === 'PAUSED' ? ((t.pauses ?? 1) <= 1 ? 'FIRST_PAUSE' : 'SECOND_PAUSE') : previousStatus === 'PAUSED' && t.status === 'APPROVED' ? 'UNPAUSE' : undefined)
  return {
    event: change.event ?? t.status,
    message_template_id: Number(t.id),
    message_template_name: t.name,
    message_template_language: webhookLanguage(t.language),
    reason: change.reason === undefined ? 'NONE' : change.reason,
    message_template_category: t.category,
    ...(t.status === 'DISABLED' && { disable_info: { disable_date: Math.floor(nowMs / 1000) } }),
    ...(title !== undefined && { other_info: { title, description: change.description ?? describe(title, t.name) } })
  }
}

/** The `message_template_quality_update` value. */
export function templateQualityValue (t: SimTemplate, previous: TemplateQuality, next: TemplateQuality): Record<string, unknown> {
  return {
    previous_quality_score: previous,
    new_quality_score: next,
    message_template_id: Number(t.id),
    message_template_name: t.name,
    message_template_language: webhookLanguage(t.language)
  }
}

function announce (ctx: SimContext, t: SimTemplate, field: string, value: Record<string, unknown>): void {
  if (!ctx.webhooks) return
  const wabaIds = t.wabaId === undefined ? [...new Set(ctx.limits.list(ctx.now()).flatMap((p) => p.wabaIds))] : [t.wabaId]
  for (const wabaId of wabaIds) ctx.webhooks.enqueue({ wabaId, kind: 'waba-change', field, value })
}

function notFound (id: string): Error {
  return Object.assign(new Error(`no template with id ${id}`), { code: 'SIM_NOT_FOUND', statusCode: 404 })
}

/** Sets a template's status and sends the status webhook (also when the status stays, as an explicit event). Throws 404 for an unknown id. */
export function setTemplateStatus (ctx: SimContext, id: string, change: TemplateStatusChange): SimTemplate {
  const before = ctx.templates.get(id)
  if (!before) throw notFound(id)
  const pauses = (before.pauses ?? 0) + (change.status === 'PAUSED' && before.status !== 'PAUSED' ? 1 : 0)
  const t = ctx.templates.update(id, { status: change.status, ...(pauses > 0 && { pauses }) }) as SimTemplate
  announce(ctx, t, 'message_template_status_update', templateStatusValue(t, before.status, change, ctx.now()))
  return t
}

/** Sets a template's quality rating and sends `message_template_quality_update` (previous: UNKNOWN when never set). Throws 404 for an unknown id. */
export function setTemplateQuality (ctx: SimContext, id: string, qualityScore: TemplateQuality): SimTemplate {
  const before = ctx.templates.get(id)
  if (!before) throw notFound(id)
  const t = ctx.templates.update(id, { qualityScore }) as SimTemplate
  announce(ctx, t, 'message_template_quality_update', templateQualityValue(t, before.qualityScore ?? 'UNKNOWN', qualityScore))
  return t
}

/**
 * A category change, announced with `template_category_update` in one of Meta's two shapes. Completed
 * (default): the catalogue's category becomes `category`; the value has `previous_category` and
 * `new_category`. Impending (`impending: true`, Meta's 24 h notice): the catalogue keeps its category;
 * the value has `new_category` = the current category (Meta's confusing name), `correct_category` =
 * `category` and `category_update_timestamp` (seconds; default 24 h from now). Throws 404 for an unknown id.
 */
export function setTemplateCategory (ctx: SimContext, id: string, change: { category: TemplateCategory, impending?: boolean, at?: number }): SimTemplate {
  const before = ctx.templates.get(id)
  if (!before) throw notFound(id)
  const about = { message_template_id: Number(before.id), message_template_name: before.name, message_template_language: webhookLanguage(before.language) }
  if (change.impending === true) {
    const at = change.at ?? ctx.now() + 24 * 3600 * 1000
    announce(ctx, before, 'template_category_update', { ...about, new_category: before.category, correct_category: change.category, category_update_timestamp: Math.floor(at / 1000) })
    return before
  }
  const t = ctx.templates.update(id, { category: change.category }) as SimTemplate
  announce(ctx, t, 'template_category_update', { ...about, previous_category: before.category, new_category: change.category })
  return t
}

/**
 * Adds or replaces a template. A replacement with another status announces the change as
 * setTemplateStatus does. With `templateApprovalMs` set, a new template given without a status or as
 * PENDING starts PENDING and is approved (with its webhook) after that delay, unless its status
 * changed meanwhile.
 */
export function addTemplate (ctx: SimContext, input: SimTemplateInput): SimTemplate {
  if (input.wabaId !== undefined) ctx.limits.noteWaba(input.wabaId)
  const before = ctx.templates.list(input.wabaId).find((t) => t.wabaId === input.wabaId && t.name === input.name && normalizeLanguage(t.language) === normalizeLanguage(input.language))
  const approvalMs = ctx.settings.templateApprovalMs
  const review = before === undefined && approvalMs !== undefined && (input.status === undefined || input.status === 'PENDING')
  const added = ctx.templates.add(review ? { ...input, status: 'PENDING' } : input)
  if (before && before.status !== added.status) {
    const pauses = (before.pauses ?? 0) + (added.status === 'PAUSED' && before.status !== 'PAUSED' ? 1 : 0)
    const t = pauses > 0 ? ctx.templates.update(added.id, { pauses }) as SimTemplate : added
    announce(ctx, t, 'message_template_status_update', templateStatusValue(t, before.status, {}, ctx.now()))
    return t
  }
  if (review) {
    ctx.timers.after(approvalMs, () => {
      if (ctx.templates.get(added.id)?.status === 'PENDING') setTemplateStatus(ctx, added.id, { status: 'APPROVED' })
    })
  }
  return added
}
