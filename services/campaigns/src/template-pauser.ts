import type { TemplateCatalogView } from '@wabridge/conversations'
import { normalizeLanguageCode, type Campaign, type TemplateEntry } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { CampaignView } from './campaign-view.ts'
import type { CommandSender } from './command-sender.ts'

/** Template statuses Meta refuses every send of (132015, 132016): campaigns using them are paused. */
const UNSENDABLE = new Set(['PAUSED', 'DISABLED'])
const ACTIVE = new Set<Campaign['state']>(['running', 'scheduled'])

export interface TemplatePauserDeps {
  catalog: Pick<TemplateCatalogView, 'lookup' | 'onChange' | 'isCaughtUp' | 'caughtUp'>
  campaigns: Pick<CampaignView, 'list' | 'onChange'>
  send: CommandSender
  wabaOf: (phoneNumberId: string) => string | undefined
  /** Whether this instance acts on the number's campaigns (it owns its commands partition): one pause per campaign. */
  owns: (phoneNumberId: string) => boolean
  logger: Logger
}

export interface TemplatePauser {
  /** Follows the catalogue and the campaigns (after the catalogue is read to its end). */
  start(): Promise<void>
  stop(): void
  /** Pauses now every running or scheduled campaign this instance owns whose template Meta refuses; resolves with their ids. */
  check(): Promise<string[]>
}

/** The template (WABA, name, language) of a campaign, or undefined when its JSON is unreadable or its WABA unknown. */
function templateOf (c: Campaign, wabaOf: (pn: string) => string | undefined): { waba: string, name: string, language: string } | undefined {
  const waba = c.waba_id ?? wabaOf(c.phone_number_id)
  if (waba === undefined) return undefined
  try {
    const t = JSON.parse(c.template_json) as { name?: unknown, language?: { code?: unknown } }
    if (typeof t.name !== 'string' || typeof t.language?.code !== 'string') return undefined
    return { waba, name: t.name, language: normalizeLanguageCode(t.language.code) }
  } catch {
    return undefined
  }
}

/**
 * Pauses the running and scheduled campaigns whose template the catalogue (wa.templates) says is
 * PAUSED or DISABLED, with the campaign's own pause command and a reason naming the template. It
 * never resumes one: when the template is APPROVED again an operator resumes the campaign. A
 * campaign resumed (or started) while its template is still paused is paused again: every send
 * would fail.
 */
export function createTemplatePauser (deps: TemplatePauserDeps): TemplatePauser {
  const pausing = new Set<string>()
  const stops: Array<() => void> = []
  let isStopped = false

  function unsendable (c: Campaign): TemplateEntry | undefined {
    if (!ACTIVE.has(c.state) || !deps.owns(c.phone_number_id)) return undefined
    const t = templateOf(c, deps.wabaOf)
    const entry = t && deps.catalog.lookup(t.waba, t.name, t.language)
    return entry !== undefined && UNSENDABLE.has(entry.status) ? entry : undefined
  }

  async function pause (c: Campaign, entry: TemplateEntry): Promise<boolean> {
    if (pausing.has(c.id) || isStopped) return false
    pausing.add(c.id)
    const reason = `template ${entry.name} (${entry.language}) of WABA ${entry.waba_id} is ${entry.status}` +
      (entry.reason ? ` (${entry.reason})` : '') + (entry.status_changed_at === null ? '' : ` since ${new Date(entry.status_changed_at).toISOString()}`) +
      ': Meta refuses its sends; resume the campaign once it is APPROVED again'
    try {
      const outcome = await deps.send(c.id, c.phone_number_id, 'pause', { reason, template: entry.name, language: entry.language, status: entry.status })
      if (outcome.applied) deps.logger.warn({ campaign: c.id, template: entry.name, language: entry.language, status: entry.status }, 'campaign paused: its template cannot be sent')
      return outcome.applied && outcome.campaign.state === 'paused'
    } catch (err) {
      deps.logger.error({ err, campaign: c.id }, 'campaign with an unsendable template could not be paused; the next change tries again')
      return false
    } finally {
      pausing.delete(c.id)
    }
  }

  async function check (): Promise<string[]> {
    const paused: string[] = []
    await Promise.all(deps.campaigns.list().map(async (c) => {
      const entry = unsendable(c)
      if (entry && await pause(c, entry)) paused.push(c.id)
    }))
    return paused
  }

  const checkInBackground = () => { if (!isStopped && deps.catalog.isCaughtUp()) check().catch((err: unknown) => deps.logger.error({ err }, 'template pause check failed')) }

  return {
    async start () {
      stops.push(deps.catalog.onChange((entry, previous) => {
        if (entry !== undefined && UNSENDABLE.has(entry.status) && previous?.status !== entry.status) checkInBackground()
      }))
      stops.push(deps.campaigns.onChange((c) => {
        if (ACTIVE.has(c.state) && !pausing.has(c.id)) {
          const entry = unsendable(c)
          if (entry) pause(c, entry).catch(() => {})
        }
      }))
      // Once the catalogue is read to its end (in the background: campaigns start without it).
      void deps.catalog.caughtUp(Number.MAX_SAFE_INTEGER).then((ok) => { if (ok) checkInBackground() })
    },
    stop () {
      isStopped = true
      for (const s of stops.splice(0)) s()
    },
    check
  }
}
