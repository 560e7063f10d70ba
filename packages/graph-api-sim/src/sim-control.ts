import type { CustomerWindowState } from './customer-windows.ts'
import type { ActiveFault, FaultRule } from './faults.ts'
import type { InboundGenerators, InboundOptions, InboundRun } from './inbound-generator.ts'
import { emitInbound } from './inbound-message.ts'
import type { LatencyDistribution } from './latency.ts'
import { TIER_LIMITS, type PortfolioInfo } from './messaging-limits.ts'
import type { PhoneNumber, PhoneNumberConfig } from './phone-numbers.ts'
import {
  maxInSlidingWindow, toAcceptedSend, type AcceptedMessage, type AcceptedSend, type DuplicateGroup, type InboundRecord,
  type MessageFilter, type ReadReceipt, type RefusedRequest
} from './recorder.ts'
import type { SimContext } from './sim-context.ts'
import type { StatusOptions } from './status-scheduler.ts'
import { addTemplate, setTemplateCategory, setTemplateQuality, setTemplateStatus, type TemplateStatusChange } from './template-lifecycle.ts'
import type { SimTemplate, SimTemplateInput, TemplateCategory, TemplateQuality } from './templates.ts'
import type { WebhookStats } from './webhook-sender.ts'

/** Per-number counters in SimStats. */
export interface PhoneNumberStats {
  mps: number
  accepted: number
  inbound: number
  refused: number
  /** Most messages (accepted + inbound) in any one-second window (t - 1000 ms, t]. */
  maxInWindow: number
}

/** The constant-time totals of counts(). */
export interface SimCounts {
  accepted: number
  refused: number
  inbound: number
  /** Accepted messages beyond the first per biz_opaque_callback_data: messages sent twice or more. */
  duplicates: number
  /** Distinct biz_opaque_callback_data values among accepted messages. */
  callbackData: number
}

/** A summary of everything recorded. */
export interface SimStats {
  accepted: number
  refused: number
  /** By Meta's code, or `http_<status>` for an injected error without Meta's envelope. */
  refusedByCode: Record<string, number>
  reads: number
  inbound: number
  duplicates: number
  phoneNumbers: Record<string, PhoneNumberStats>
  pendingStatuses: number
  webhooks: WebhookStats | null
}

/** The in-process inspection and control API (also served under /_sim). */
export interface GraphApiSimControl {
  /** Accepted messages, oldest first, optionally filtered. */
  accepted (filter?: MessageFilter): AcceptedMessage[]
  /** Accepted messages without bodies with `seq` > `afterSeq` (default 0), oldest first, at most `limit` (default all). */
  acceptedSends (options?: { afterSeq?: number, limit?: number }): AcceptedSend[]
  /** How many accepted messages carry this biz_opaque_callback_data (constant time). */
  acceptedCount (bizOpaqueCallbackData: string): number
  refused (): RefusedRequest[]
  reads (): ReadReceipt[]
  inbound (): InboundRecord[]
  /** Most messages a number had in any window (t - windowMs, t]; inbound counted unless told not to. */
  maxInWindow (phoneNumberId: string, windowMs?: number, options?: { includeInbound?: boolean }): number
  /** Groups of accepted messages sharing a biz_opaque_callback_data (duplicate sends), with each send. */
  duplicates (): DuplicateGroup[]
  stats (): SimStats
  /** Running totals, without stats()' per-number windows: constant time, cheap enough to poll. */
  counts (): SimCounts
  /** Forgets records, limiter state, faults, inbound runs and pending statuses; keeps settings and media. */
  reset (): void
  addFault (rule: FaultRule): string
  setFaults (rules: FaultRule[]): void
  removeFault (id: string): boolean
  clearFaults (): void
  faults (): ActiveFault[]
  setLatency (latency: LatencyDistribution): void
  setStatusOptions (options: Partial<StatusOptions>): StatusOptions
  setPhoneNumber (id: string, config: PhoneNumberConfig): PhoneNumber
  /** Starts inbound customer messages for a number at `rate`/s; returns the run id. */
  startInbound (options: InboundOptions): string
  stopInbound (id: string): boolean
  inboundRuns (): InboundRun[]
  /**
   * Starts a throughput upgrade of a number: its sends are answered 131057 for `maintenanceMs`
   * (default 60,000), then its level becomes `level` (default HIGH) and its limit `mps` (default
   * 1,000), and a `phone_number_quality_update` webhook with event THROUGHPUT_UPGRADE is sent (when
   * webhooks are configured). Returns the number's settings as they will be.
   */
  upgradeThroughput (id: string, options?: { maintenanceMs?: number, level?: string, mps?: number }): PhoneNumber
  /** Business portfolios with their tier, WABAs, users reached in the last 24 h and 131048 failures. */
  portfolios (): PortfolioInfo[]
  /** The portfolio of a WABA (also of a phone number's WABA: pass `{ phoneNumberId }`). */
  portfolio (of: { wabaId: string } | { phoneNumberId: string } | { portfolioId: string }): PortfolioInfo
  /** Moves a WABA into a portfolio (its numbers then share that portfolio's limit). */
  setWabaPortfolio (wabaId: string, portfolioId: string): PortfolioInfo
  /**
   * Sets a portfolio's messaging limit tier and sends a `business_capability_update` webhook for
   * each of its WABAs, with `max_daily_conversations_per_business` as the tier string (default) or,
   * with `webhookForm: 'number'`, as Meta's numeric form (2000 …, 'UNLIMITED').
   */
  setMessagingTier (portfolioId: string, tier: string, options?: { webhookForm?: 'tier' | 'number' }): PortfolioInfo
  /** A user stops or resumes marketing from the WABA of `phoneNumberId`; sends a `user_preferences` webhook. */
  setUserPreference (input: { phoneNumberId: string, waId: string, value: 'stop' | 'resume' }): { wabaId: string, waId: string, optedOut: boolean }
  optOuts (): Array<{ wabaId: string, waId: string, at: number }>
  /** Puts a user at (or takes them off) the per-user marketing limit: marketing outside a window fails with 131049. */
  setMarketingLimited (waId: string, limited: boolean): void
  marketingLimited (): string[]
  /**
   * Adds (or replaces, by WABA, name and language) a template; a replacement with another status
   * (e.g. PAUSED, APPROVED again) sends `message_template_status_update` to the WABA(s) concerned.
   * With `templateApprovalMs`, a new template without a status (or PENDING) is approved after that delay.
   */
  addTemplate (template: SimTemplateInput): SimTemplate
  /**
   * Sets a template's status and sends `message_template_status_update` (Meta's fields: integer id,
   * `en-US` language, reason, `other_info` on pause/unpause, `disable_info` on disable). Throws (404) for an unknown id.
   */
  setTemplateStatus (id: string, change: TemplateStatusChange): SimTemplate
  /** Sets a template's quality rating and sends `message_template_quality_update`. Throws (404) for an unknown id. */
  setTemplateQuality (id: string, qualityScore: TemplateQuality): SimTemplate
  /**
   * Changes a template's category with `template_category_update` (previous_category, new_category);
   * with `impending`, only announces it (new_category = current, correct_category, category_update_timestamp = `at` or in 24 h).
   */
  setTemplateCategory (id: string, change: { category: TemplateCategory, impending?: boolean, at?: number }): SimTemplate
  removeTemplate (id: string): boolean
  /** The templates a WABA sees; every template without one. */
  templates (wabaId?: string): SimTemplate[]
  /** One inbound customer text message now (opens the sender's 24 h customer service window with the number). */
  receiveMessage (phoneNumberId: string, from: string): void
  /**
   * Sets a user's last message to a number (default now), opening their 24 h customer service window
   * without a webhook (a time over 24 h ago closes it). Returns the window.
   */
  openWindow (input: { phoneNumberId: string, waId: string, lastInboundAt?: number }): CustomerWindowState
  /** The window of a number and a user: closed (open false, no times) when the user never wrote. */
  window (phoneNumberId: string, waId: string): CustomerWindowState | { phoneNumberId: string, waId: string, open: false }
  /** Every known window, optionally of one number and/or user. */
  windows (filter?: { phoneNumberId?: string, waId?: string }): CustomerWindowState[]
  /** Resolves true once every scheduled status is sent and every webhook delivered (or dropped); false after timeoutMs (default 5000). */
  webhooksIdle (timeoutMs?: number): Promise<boolean>
}

export function createSimControl (ctx: SimContext, inbound: InboundGenerators): GraphApiSimControl {
  const r = ctx.recorder

  function stats (): SimStats {
    const refusedByCode: Record<string, number> = {}
    for (const x of r.refused) {
      const key = x.code === undefined ? `http_${x.httpStatus}` : String(x.code)
      refusedByCode[key] = (refusedByCode[key] ?? 0) + 1
    }
    // One pass over the records, grouped by number.
    const per = new Map<string, { accepted: number, inbound: number, refused: number, times: number[] }>()
    const of = (id: string) => {
      let p = per.get(id)
      if (!p) per.set(id, p = { accepted: 0, inbound: 0, refused: 0, times: [] })
      return p
    }
    for (const m of r.accepted) { const p = of(m.phoneNumberId); p.accepted++; p.times.push(m.acceptedAt) }
    for (const m of r.inbound) { const p = of(m.phoneNumberId); p.inbound++; p.times.push(m.at) }
    for (const m of r.refused) of(m.phoneNumberId).refused++
    const phoneNumbers: Record<string, PhoneNumberStats> = {}
    for (const [id, p] of per) {
      const maxInWindow = maxInSlidingWindow(p.times.sort((a, b) => a - b), 1000)
      phoneNumbers[id] = { mps: ctx.phones.get(id).mps, accepted: p.accepted, inbound: p.inbound, refused: p.refused, maxInWindow }
    }
    return {
      accepted: r.accepted.length,
      refused: r.refused.length,
      refusedByCode,
      reads: r.reads.length,
      inbound: r.inbound.length,
      duplicates: r.callbackTotals().duplicates,
      phoneNumbers,
      pendingStatuses: ctx.timers.size,
      webhooks: ctx.webhooks?.stats() ?? null
    }
  }

  return {
    counts () {
      const totals = r.callbackTotals()
      return { accepted: r.accepted.length, refused: r.refused.length, inbound: r.inbound.length, duplicates: totals.duplicates, callbackData: totals.distinct }
    },
    accepted: (filter = {}) => r.filter(filter),
    acceptedSends: (options = {}) => r.page(options.afterSeq ?? 0, options.limit ?? Number.MAX_SAFE_INTEGER).map(toAcceptedSend),
    acceptedCount: (key) => r.countFor(key),
    refused: () => [...r.refused],
    reads: () => [...r.reads],
    inbound: () => [...r.inbound],
    maxInWindow: (id, windowMs = 1000, options = {}) => r.maxInWindow(id, windowMs, options.includeInbound ?? true),
    duplicates: () => r.duplicates(),
    stats,
    reset () {
      inbound.stopAll()
      ctx.timers.clear()
      r.clear()
      ctx.limiter.clear()
      ctx.pairLimiter.clear()
      ctx.faults.clear()
      ctx.upgrades.clear()
      ctx.usage.clear()
      ctx.limits.clearCounts()
      ctx.windows.clear()
      ctx.webhooks?.resetStats()
      ctx.pricing.reset()
    },
    portfolios: () => ctx.limits.list(ctx.now()),
    portfolio (of) {
      const id = 'portfolioId' in of ? of.portfolioId : ctx.limits.portfolioOf('wabaId' in of ? of.wabaId : ctx.phones.get(of.phoneNumberId).wabaId)
      return ctx.limits.info(id, ctx.now())
    },
    setWabaPortfolio (wabaId, portfolioId) {
      ctx.limits.setPortfolio(wabaId, portfolioId)
      return ctx.limits.info(portfolioId, ctx.now())
    },
    setMessagingTier (portfolioId, tier, options = {}) {
      if (!(tier in TIER_LIMITS)) throw Object.assign(new Error(`unknown tier ${tier}; one of ${Object.keys(TIER_LIMITS).join(', ')}`), { code: 'SIM_BAD_REQUEST', statusCode: 400 })
      ctx.limits.setTier(portfolioId, tier)
      const info = ctx.limits.info(portfolioId, ctx.now())
      const limit = TIER_LIMITS[tier] ?? null
      for (const wabaId of info.wabaIds) {
        ctx.webhooks?.enqueue({
          wabaId,
          kind: 'waba-change',
          field: 'business_capability_update',
          value: {
            max_daily_conversations_per_business: options.webhookForm === 'number' ? (limit ?? 'UNLIMITED') : tier,
            // Deprecated per-number field: an integer, -1 for unlimited.
            max_daily_conversation_per_phone: limit ?? -1,
            // Meta sends one of these two; the counts are placeholders (Meta's pages give no values).
            ...(limit === 250 ? { max_phone_numbers_per_business: 2 } : { max_phone_numbers_per_waba: 25 })
          }
        })
      }
      return info
    },
    setUserPreference ({ phoneNumberId, waId, value }) {
      const phone = ctx.phones.get(phoneNumberId)
      const now = ctx.now()
      const optedOut = ctx.marketing.set(phone.wabaId, waId, value, now)
      const id = waId.replace(/\D/g, '')
      ctx.webhooks?.enqueue({
        phone,
        kind: 'change',
        field: 'user_preferences',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: phone.displayPhoneNumber, phone_number_id: phone.id },
          contacts: [{ profile: { name: 'Sim user' }, wa_id: id }],
          user_preferences: [{
            wa_id: id,
            detail: value === 'stop' ? 'User requested to stop marketing messages' : 'User requested to resume marketing messages',
            category: 'marketing_messages',
            value,
            timestamp: Math.floor(now / 1000)
          }]
        }
      })
      return { wabaId: phone.wabaId, waId: id, optedOut }
    },
    optOuts: () => ctx.marketing.optOuts(),
    setMarketingLimited: (waId, limited) => ctx.marketing.setLimited(waId, limited),
    marketingLimited: () => ctx.marketing.limited(),
    addTemplate: (template) => addTemplate(ctx, template),
    setTemplateStatus: (id, change) => setTemplateStatus(ctx, id, change),
    setTemplateQuality: (id, qualityScore) => setTemplateQuality(ctx, id, qualityScore),
    setTemplateCategory: (id, change) => setTemplateCategory(ctx, id, change),
    removeTemplate: (id) => ctx.templates.remove(id),
    templates: (wabaId) => ctx.templates.list(wabaId),
    receiveMessage: (phoneNumberId, from) => emitInbound(ctx, phoneNumberId, from),
    openWindow ({ phoneNumberId, waId, lastInboundAt }) {
      const now = ctx.now()
      ctx.windows.open(phoneNumberId, waId, lastInboundAt ?? now)
      return ctx.windows.get(phoneNumberId, waId, now) as CustomerWindowState
    },
    window: (phoneNumberId, waId) => ctx.windows.get(phoneNumberId, waId, ctx.now()) ?? { phoneNumberId, waId: waId.replace(/\D/g, ''), open: false },
    windows: (filter) => ctx.windows.list(ctx.now(), filter),
    addFault: (rule) => ctx.faults.add(rule),
    setFaults: (rules) => ctx.faults.set(rules),
    removeFault: (id) => ctx.faults.remove(id),
    clearFaults: () => ctx.faults.clear(),
    faults: () => ctx.faults.list(),
    setLatency (latency) { ctx.settings.latency = latency },
    setStatusOptions (options) {
      ctx.settings.statuses = { ...ctx.settings.statuses, ...options }
      return ctx.settings.statuses
    },
    setPhoneNumber: (id, config) => ctx.phones.set(id, config),
    upgradeThroughput (id, options = {}) {
      const maintenanceMs = options.maintenanceMs ?? 60_000
      const level = options.level ?? 'HIGH'
      const mps = options.mps ?? 1000
      const finish = () => {
        ctx.upgrades.end(id)
        const phone = ctx.phones.set(id, { throughputLevel: level, mps })
        ctx.webhooks?.enqueue({
          phone,
          kind: 'change',
          field: 'phone_number_quality_update',
          value: { display_phone_number: phone.displayPhoneNumber, event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED', max_daily_conversations_per_business: 'TIER_UNLIMITED' }
        })
      }
      if (maintenanceMs > 0) {
        ctx.upgrades.start(id, ctx.now() + maintenanceMs)
        ctx.timers.after(maintenanceMs, finish)
      } else {
        finish()
      }
      return { ...ctx.phones.get(id), throughputLevel: level, mps }
    },
    startInbound: (options) => inbound.start(options),
    stopInbound: (id) => inbound.stop(id),
    inboundRuns: () => inbound.list(),
    async webhooksIdle (timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs
      // Scheduled statuses become webhooks later, so both queues must be empty.
      while (ctx.webhooks && (ctx.timers.size > 0 || !ctx.webhooks.isIdle())) {
        if (performance.now() >= deadline) return false
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return true
    }
  }
}
