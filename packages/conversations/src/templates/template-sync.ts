import type { MessageTemplate } from '@wabridge/graph-api'
import { normalizeLanguageCode, templateKey, type TemplateEntry } from '@wabridge/schemas'
import { sameContent } from './template-webhooks.ts'

/** What a complete listing of one WABA changes in the catalogue. */
export interface SyncPlan {
  /** Entries to write (new or changed), keyed. */
  writes: Array<{ key: string, entry: TemplateEntry, previous: TemplateEntry | undefined }>
  /** Keys of the WABA's entries the listing no longer has. */
  tombstones: Array<{ key: string, previous: TemplateEntry }>
  /** Templates listed whose entry is unchanged. */
  unchanged: number
}

/**
 * Compares a complete listing of a WABA's templates (GET /{waba}/message_templates, every page)
 * with the catalogue's entries of that WABA (`current`, by key): a write for each new or changed
 * template (source 'sync', synced_at = updated_at = now; a changed status dated now; what only
 * webhooks say, the quality and the reason of an unchanged status, kept), a tombstone for each
 * entry no longer listed. Nothing for what did not change.
 */
export function planSync (wabaId: string, listed: readonly MessageTemplate[], current: ReadonlyMap<string, TemplateEntry>, now: number): SyncPlan {
  const plan: SyncPlan = { writes: [], tombstones: [], unchanged: 0 }
  const seen = new Set<string>()
  for (const t of listed) {
    const language = normalizeLanguageCode(t.language)
    const key = templateKey(wabaId, t.name, language)
    if (seen.has(key)) continue
    seen.add(key)
    const previous = current.get(key)
    const status = t.status.toUpperCase() || previous?.status || 'UNKNOWN'
    const statusChanged = previous === undefined || previous.status !== status
    const entry: TemplateEntry = {
      waba_id: wabaId,
      name: t.name,
      language,
      template_id: t.id || previous?.template_id || null,
      status,
      category: t.category ? t.category.toUpperCase() : previous?.category ?? null,
      sub_category: t.subCategory ?? null,
      parameter_format: t.parameterFormat ?? null,
      components_json: JSON.stringify(t.components),
      quality_score: previous?.quality_score ?? null,
      reason: statusChanged ? null : previous.reason,
      status_changed_at: statusChanged ? now : previous.status_changed_at,
      synced_at: now,
      source: 'sync',
      updated_at: now
    }
    if (previous !== undefined && sameContent(previous, entry)) plan.unchanged++
    else plan.writes.push({ key, entry, previous })
  }
  for (const [key, previous] of current) {
    if (previous.waba_id === wabaId && !seen.has(key)) plan.tombstones.push({ key, previous })
  }
  return plan
}
