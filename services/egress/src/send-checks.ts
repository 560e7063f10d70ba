import { CSW_DURATION_MS, recipientWaId, type CustomerWindow, type OutboundRequest, type ResultError } from '@wabridge/schemas'

/** EGRESS_WINDOW_MODE. */
export type WindowMode = 'enforce' | 'warn' | 'off'

/** A customer's windows with one business number, as the window tracker of @wabridge/conversations reports them. */
export interface WindowState {
  csw: 'open' | 'closed'
  cswClosesAt?: number
  fep: 'open' | 'closed'
  fepClosesAt?: number
}

/** What egress needs of the window tracker (@wabridge/conversations createWindowTracker). */
export interface WindowLookup {
  state (phoneNumberId: string, waId: string, now: number): WindowState
  /** Resolves true once every inbound message that existed at the call has been read (false at `deadlineMs`, epoch ms). */
  sync (deadlineMs: number): Promise<boolean>
  /** The pair's record (when the customer last wrote, when the window closes), for the refusal's message. */
  lookup? (phoneNumberId: string, waId: string): Pick<CustomerWindow, 'last_inbound_at' | 'csw_expires_at'> | undefined
}

/** The catalogue's verdict on one template message object (@wabridge/conversations checkTemplateSend). */
export type TemplateVerdict = { ok: true } | { ok: false, code: number, reason: string }

/** What egress needs of the template catalogue view (@wabridge/conversations createTemplateCatalogView). */
export interface TemplateLookup {
  /** The catalogue holds templates of this WABA (it was synced or a webhook named it). */
  hasWaba (wabaId: string): boolean
  /** The template message object checked against its entry (unknown, not approved, paused, parameter counts). */
  check (wabaId: string, template: Readonly<Record<string, unknown>>): TemplateVerdict
}

/** Meta's code for a free-form message outside the customer service window. */
export const OUTSIDE_WINDOW_CODE = 131047

/** Where a send stood with the customer's windows (metric attributes): unknown when the tracker could not say. */
export interface WindowPosition {
  csw: 'inside' | 'outside' | 'unknown'
  fep: 'inside' | 'outside' | 'unknown'
  type: 'free_form' | 'template'
}

export type SendVerdict =
  /** Send it. `window`: where it stands (none when windows are not tracked); `flag`: the result's reason (warn mode). */
  | { action: 'send', window?: WindowPosition, flag?: string }
  /** Do not send: a failed result with this error; `deadLetter`: the dead letter's reason (none: no dead letter). */
  | { action: 'refuse', error: ResultError, deadLetter?: string }

export interface SendCheckMetrics {
  windowRefused (phoneNumberId: string): void
  windowUnconfirmed (phoneNumberId: string): void
  templateRefused (phoneNumberId: string, code: number): void
}

export interface SendChecksOptions {
  windowMode: WindowMode
  /** EGRESS_WINDOW_SYNC_MS. */
  syncMs: number
  /** The window tracker (none with windowMode off). */
  windows?: WindowLookup
  templateCheck: 'enforce' | 'off'
  /** The template catalogue (none with templateCheck off). */
  templates?: TemplateLookup
  wabaOf: (phoneNumberId: string) => string | undefined
  clock: () => number
  metrics: SendCheckMetrics
}

/** Whether a message needs an open customer service window: every message but a template; mark-as-read is no message. */
export function needsWindow (message: Record<string, unknown>): boolean {
  return message.status === undefined && message.type !== 'template'
}

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * The error of a free-form message not sent because the customer's service window is closed:
 * `lastInboundAt` when the customer last wrote (null: never, as far as the windows go back).
 */
export function outsideWindowError (phoneNumberId: string, waId: string, lastInboundAt: number | null, closedAt?: number | null): ResultError {
  const when = lastInboundAt === null
    ? `customer ${waId} never wrote to phone number ${phoneNumberId} (as far as the tracked windows go back)`
    : `customer ${waId} last wrote to phone number ${phoneNumberId} at ${iso(lastInboundAt)}; the window closed at ${iso(closedAt ?? lastInboundAt + CSW_DURATION_MS)}`
  return {
    code: OUTSIDE_WINDOW_CODE,
    subcode: null,
    message: `not sent: outside the 24-hour customer service window (${when}); only a template can be sent now`,
    details: null,
    class: 'outside_window',
    fbtrace_id: null
  }
}

function templateError (code: number, reason: string): ResultError {
  return { code, subcode: null, message: `not sent: ${reason}`, details: null, class: 'template_invalid', fbtrace_id: null }
}

function position (state: WindowState, type: WindowPosition['type']): WindowPosition {
  return { csw: state.csw === 'open' ? 'inside' : 'outside', fep: state.fep === 'open' ? 'inside' : 'outside', type }
}

/**
 * Egress's checks before a request's first attempt (a request attempted before is never judged
 * again): a template the catalogue refuses, a free-form message outside the customer service window.
 * Neither costs a Graph call. When the tracker cannot confirm a closed window in time, the message is
 * sent (Meta decides) and counted.
 */
export function createSendChecks (options: SendChecksOptions) {
  const { windows, templates } = options
  const windowsOn = options.windowMode !== 'off' && windows !== undefined

  function checkTemplate (record: OutboundRequest, message: Record<string, unknown>): SendVerdict | undefined {
    if (options.templateCheck === 'off' || templates === undefined) return undefined
    const waba = options.wabaOf(record.phone_number_id)
    if (waba === undefined || !templates.hasWaba(waba)) return undefined
    const verdict = templates.check(waba, message.template as Record<string, unknown>)
    if (verdict.ok) return undefined
    options.metrics.templateRefused(record.phone_number_id, verdict.code)
    return { action: 'refuse', error: templateError(verdict.code, verdict.reason), deadLetter: `template refused by the catalogue (error ${verdict.code}): ${verdict.reason}` }
  }

  return {
    windowsOn,
    async judge (record: OutboundRequest, message: Record<string, unknown>): Promise<SendVerdict> {
      if (message.status !== undefined) return { action: 'send' }
      const isTemplate = message.type === 'template'
      if (isTemplate && typeof message.template === 'object' && message.template !== null) {
        const refused = checkTemplate(record, message)
        if (refused) return refused
      }
      if (!windowsOn || message.recipient_type === 'group') return { action: 'send' }
      const waId = recipientWaId(record.to)
      const state = windows.state(record.phone_number_id, waId, options.clock())
      if (isTemplate || state.csw === 'open') return { action: 'send', window: position(state, isTemplate ? 'template' : 'free_form') }
      // Closed as far as the tracker has read: the user's message may be on its way (a bot replying at once).
      if (!await windows.sync(Date.now() + options.syncMs)) {
        options.metrics.windowUnconfirmed(record.phone_number_id)
        return { action: 'send', window: { csw: 'unknown', fep: 'unknown', type: 'free_form' } }
      }
      const synced = windows.state(record.phone_number_id, waId, options.clock())
      if (synced.csw === 'open') return { action: 'send', window: position(synced, 'free_form') }
      const known = windows.lookup?.(record.phone_number_id, waId)
      const lastInboundAt = known?.last_inbound_at ?? (synced.cswClosesAt === undefined ? null : synced.cswClosesAt - CSW_DURATION_MS)
      const error = outsideWindowError(record.phone_number_id, waId, lastInboundAt, known?.csw_expires_at ?? synced.cswClosesAt)
      if (options.windowMode === 'warn') {
        return { action: 'send', window: position(synced, 'free_form'), flag: `sent outside the customer service window (EGRESS_WINDOW_MODE=warn): ${error.message.replace(/^not sent: outside the 24-hour customer service window /, '')}` }
      }
      options.metrics.windowRefused(record.phone_number_id)
      return { action: 'refuse', error }
    }
  }
}

export type SendChecks = ReturnType<typeof createSendChecks>
