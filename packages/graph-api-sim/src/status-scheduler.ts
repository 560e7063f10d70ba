import type { PhoneNumber } from './phone-numbers.ts'
import type { AcceptedMessage } from './recorder.ts'
import { billingFor, failedItem, pricingFor, statusItem } from './status-payloads.ts'
import type { TimerQueue } from './timer-queue.ts'
import type { WebhookEvent } from './webhook-envelope.ts'

/** The status lifecycle of accepted messages; delays in ms, shares between 0 and 1. */
export interface StatusOptions {
  /** Delay from acceptance to `sent` (or `failed`). Default 50. */
  sentAfterMs: number
  /** Delay from `sent` to `delivered`. Default 150. */
  deliveredAfterMs: number
  /** Delay from `delivered` to `read`. Default 500. */
  readAfterMs: number
  /** Share of delivered messages that are read. Default 0.6. */
  readShare: number
  /** Share of read messages whose `delivered` is skipped (Meta may skip it). Default 0.05. */
  skipDeliveredShare: number
  /** Share of accepted messages that end in `failed` instead. Default 0. */
  failedShare: number
  /** Error code of those failures. Default 131026. */
  failedCode: number
  /** Pricing category of templates not named in `templateCategories`. Default 'marketing'. */
  templateCategory: string
  /** Pricing category by template name, e.g. { otp_code: 'authentication' }. */
  templateCategories: Record<string, string>
}

export const DEFAULT_STATUS_OPTIONS: StatusOptions = {
  sentAfterMs: 50,
  deliveredAfterMs: 150,
  readAfterMs: 500,
  readShare: 0.6,
  skipDeliveredShare: 0.05,
  failedShare: 0,
  failedCode: 131026,
  templateCategory: 'marketing',
  templateCategories: {}
}

/** Schedules sent → delivered → read (or failed) webhooks for each accepted message. */
export interface StatusScheduler {
  /** `category`: the template's category in the sim's catalogue (prices it), when known. */
  schedule (message: AcceptedMessage, phone: PhoneNumber, category?: string): void
}

export interface StatusSchedulerDeps {
  options: () => StatusOptions
  timers: TimerQueue
  now: () => number
  random: () => number
  emit: (event: WebhookEvent) => void
}

export function createStatusScheduler (deps: StatusSchedulerDeps): StatusScheduler {
  return {
    schedule (message, phone, category) {
      const o = deps.options()
      const emit = (item: Record<string, unknown>): void => deps.emit({ phone, kind: 'statuses', item })
      if (message.failedWith !== undefined) {
        const code = message.failedWith
        deps.timers.after(o.sentAfterMs, () => emit(failedItem(message, code, deps.now())))
        return
      }
      if (deps.random() < o.failedShare) {
        deps.timers.after(o.sentAfterMs, () => emit(failedItem(message, o.failedCode, deps.now())))
        return
      }
      const billing = billingFor(message, pricingFor(message, o.templateCategory, o.templateCategories, category))
      const isRead = deps.random() < o.readShare
      const skipDelivered = isRead && deps.random() < o.skipDeliveredShare
      // Pricing comes on `sent` and on exactly one later status: delivered, or read when delivered is skipped.
      deps.timers.after(o.sentAfterMs, () => emit(statusItem(message, billing, { status: 'sent', nowMs: deps.now(), withPricing: true })))
      if (!skipDelivered) {
        deps.timers.after(o.sentAfterMs + o.deliveredAfterMs, () =>
          emit(statusItem(message, billing, { status: 'delivered', nowMs: deps.now(), withPricing: true })))
      }
      if (isRead) {
        deps.timers.after(o.sentAfterMs + o.deliveredAfterMs + o.readAfterMs, () =>
          emit(statusItem(message, billing, { status: 'read', nowMs: deps.now(), withPricing: skipDelivered })))
      }
    }
  }
}
