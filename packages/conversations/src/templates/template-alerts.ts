import type { Alert, TemplateEntry } from '@wabridge/schemas'

/** The alert rules of the catalogue, by the status that fires them. */
export const TEMPLATE_ALERT_NAMES = { PAUSED: 'template_paused', DISABLED: 'template_disabled' } as const

const isAlerting = (status: string | undefined): status is keyof typeof TEMPLATE_ALERT_NAMES => status === 'PAUSED' || status === 'DISABLED'

/** The scope of a template's alerts: 'waba:{waba_id}:{name}:{language}'. */
export const templateAlertScope = (e: Pick<TemplateEntry, 'waba_id' | 'name' | 'language'>) => `waba:${e.waba_id}:${e.name}:${e.language}`

/**
 * The wa.alerts record of a status change, once per change: `template_paused` (warning) or
 * `template_disabled` (critical) firing when a template becomes PAUSED or DISABLED, resolved (same
 * alert id) when it leaves that status; undefined when the status did not change that way.
 */
export function templateAlert (entry: TemplateEntry | undefined, previous: TemplateEntry | undefined, now: number): Alert | undefined {
  const status = entry?.status
  const before = previous?.status
  if (status === before) return undefined
  const subject = entry ?? previous!
  const scope = templateAlertScope(subject)
  const labels = { template: subject.name, language: subject.language, ...(subject.category && { category: subject.category }), ...(subject.template_id && { template_id: subject.template_id }) }
  if (isAlerting(status)) {
    const name = TEMPLATE_ALERT_NAMES[status]
    const firedAt = entry!.status_changed_at ?? now
    const paused = status === 'PAUSED'
    return {
      alert_id: `${name}:${scope}:${firedAt}`,
      name,
      scope,
      phone_number_id: null,
      waba_id: subject.waba_id,
      state: 'firing',
      severity: paused ? 'warning' : 'critical',
      value: 1,
      threshold: 1,
      message: `Template ${subject.name} (${subject.language}) of WABA ${subject.waba_id} is ${status}` + (entry!.reason ? ` (${entry!.reason})` : '') +
        (paused ? ': Meta refuses its sends (132015) until it is unpaused; campaigns using it are paused.' : ': Meta refuses its sends for good (132016); a new template is needed. Campaigns using it are paused.'),
      fired_at: firedAt,
      at: firedAt,
      labels: { ...labels, status, ...(before !== undefined && { previous_status: before }), ...(entry!.reason && { reason: entry!.reason }) }
    }
  }
  if (isAlerting(before)) {
    const name = TEMPLATE_ALERT_NAMES[before]
    const firedAt = previous!.status_changed_at ?? now
    return {
      alert_id: `${name}:${scope}:${firedAt}`,
      name,
      scope,
      phone_number_id: null,
      waba_id: subject.waba_id,
      state: 'resolved',
      severity: before === 'PAUSED' ? 'warning' : 'critical',
      value: 0,
      threshold: 1,
      message: entry === undefined
        ? `Template ${subject.name} (${subject.language}) of WABA ${subject.waba_id} is no longer listed.`
        : `Template ${subject.name} (${subject.language}) of WABA ${subject.waba_id} is ${entry.status} again (was ${before}); paused campaigns stay paused until an operator resumes them.`,
      fired_at: firedAt,
      at: entry?.status_changed_at ?? now,
      labels: { ...labels, status: entry?.status ?? 'DELETED', previous_status: before }
    }
  }
  return undefined
}
