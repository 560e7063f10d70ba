import { normalizeLanguageCode, type InboundEvent, type TemplateEntry } from '@wabridge/schemas'

/** The webhook fields the catalogue applies (whatsapp-cloud-api-more.md §3.3). */
export const TEMPLATE_WEBHOOK_FIELDS = ['message_template_status_update', 'message_template_quality_update', 'template_category_update'] as const
export type TemplateWebhookField = typeof TEMPLATE_WEBHOOK_FIELDS[number]

/** What one template webhook says about one template. */
export interface TemplateWebhookChange {
  field: TemplateWebhookField
  wabaId: string
  name: string
  /** Normalized (en_US). */
  language: string
  templateId: string | null
  /** The new status, when the webhook changes it. */
  status?: string
  /** The webhook's event, upper case (status updates). */
  event?: string
  reason?: string | null
  category?: string
  quality?: string
}

/** Status events that put a template back in service (REINSTATED, an unpause): it is APPROVED again. */
const BACK_TO_APPROVED = new Set(['REINSTATED', 'UNPAUSED', 'UNPAUSE'])
/** Events that leave the status as it is: FLAGGED (quality dropped, not yet paused), LOCKED/UNLOCKED (editing), UNARCHIVED (a sync reads what it is now). */
const STATUS_KEPT = new Set(['FLAGGED', 'LOCKED', 'UNLOCKED', 'UNARCHIVED'])

const str = (v: unknown): string | undefined => typeof v === 'string' && v.length > 0 ? v : undefined
const idOf = (v: unknown): string | null => typeof v === 'number' ? String(v) : str(v) ?? null
const obj = (v: unknown): Record<string, unknown> | undefined => typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined

/**
 * What a wa.inbound.events record says about a template, or undefined when it is no template
 * webhook (another field, no template name or language, a category change only announced).
 */
export function parseTemplateWebhook (event: Pick<InboundEvent, 'field' | 'waba_id' | 'value_json'>): TemplateWebhookChange | undefined {
  if (!(TEMPLATE_WEBHOOK_FIELDS as readonly string[]).includes(event.field)) return undefined
  let value: Record<string, unknown> | undefined
  try { value = obj(JSON.parse(event.value_json)) } catch { return undefined }
  if (!value) return undefined
  const name = str(value.message_template_name)
  const language = str(value.message_template_language)
  if (name === undefined || language === undefined) return undefined
  const base = { wabaId: event.waba_id, name, language: normalizeLanguageCode(language), templateId: idOf(value.message_template_id) }
  switch (event.field as TemplateWebhookField) {
    case 'message_template_status_update': {
      const ev = str(value.event)?.toUpperCase()
      if (ev === undefined) return undefined
      const title = str(obj(value.other_info)?.title)?.toUpperCase()
      const reasons = [str(value.reason), title, str(obj(value.rejection_info)?.reason)].filter((r): r is string => r !== undefined && r !== 'NONE')
      const status = BACK_TO_APPROVED.has(ev) || title === 'UNPAUSE' ? 'APPROVED' : STATUS_KEPT.has(ev) ? undefined : ev
      const category = str(value.message_template_category)
      return {
        field: 'message_template_status_update',
        ...base,
        event: ev,
        ...(status !== undefined && { status }),
        reason: reasons.length > 0 ? [...new Set(reasons)].join(': ') : null,
        ...(category !== undefined && { category: category.toUpperCase() }),
        // FLAGGED: the quality dropped (the step before a pause).
        ...(ev === 'FLAGGED' && { quality: 'RED' })
      }
    }
    case 'message_template_quality_update': {
      const quality = str(value.new_quality_score)
      return quality === undefined ? undefined : { field: 'message_template_quality_update', ...base, quality: quality.toUpperCase() }
    }
    case 'template_category_update': {
      // The impending change (24 h notice) names correct_category; only the completed change (previous_category) applies.
      const category = str(value.new_category)
      if (category === undefined || str(value.correct_category) !== undefined || str(value.previous_category) === undefined) return undefined
      return { field: 'template_category_update', ...base, category: category.toUpperCase() }
    }
  }
}

/**
 * The entry after a webhook: `current` (undefined when the catalogue does not know the template:
 * a new entry without components) with the change applied, written at `now`; a status change is
 * dated `changedAt` (when ingress received the webhook; default `now`). Undefined when the webhook
 * changes nothing.
 */
export function applyTemplateWebhook (current: TemplateEntry | undefined, change: TemplateWebhookChange, now: number, changedAt = now): TemplateEntry | undefined {
  const base: TemplateEntry = current ?? {
    waba_id: change.wabaId,
    name: change.name,
    language: change.language,
    template_id: change.templateId,
    status: change.status ?? 'UNKNOWN',
    category: null,
    sub_category: null,
    parameter_format: null,
    components_json: null,
    quality_score: null,
    reason: null,
    status_changed_at: change.status === undefined ? null : changedAt,
    synced_at: null,
    source: change.field,
    updated_at: now
  }
  const next: TemplateEntry = { ...base }
  if (next.template_id === null && change.templateId !== null) next.template_id = change.templateId
  if (change.status !== undefined && change.status !== base.status) {
    next.status = change.status
    next.status_changed_at = changedAt
    next.reason = change.reason ?? null
  } else if (change.field === 'message_template_status_update' && change.reason) {
    next.reason = change.reason
  }
  if (change.category !== undefined) next.category = change.category
  if (change.quality !== undefined) next.quality_score = change.quality
  if (current !== undefined && sameContent(current, next)) return undefined
  return { ...next, source: change.field, updated_at: now }
}

/** Two versions say the same about the template (what wrote them and when aside). */
export function sameContent (a: TemplateEntry, b: TemplateEntry): boolean {
  return a.template_id === b.template_id && a.status === b.status && a.category === b.category && a.sub_category === b.sub_category &&
    a.parameter_format === b.parameter_format && a.components_json === b.components_json && a.quality_score === b.quality_score &&
    a.reason === b.reason && a.status_changed_at === b.status_changed_at
}
