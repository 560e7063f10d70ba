import { randomBytes } from 'node:crypto'
import { errorTitle, metaError } from './meta-errors.ts'
import type { AcceptedMessage } from './recorder.ts'

/** How the sim prices a message: templates by category; everything else as service, free until Sep 30, 2026. */
export interface PricingChoice {
  category: string
  type: 'regular' | 'free_customer_service'
}

/** From this day Meta charges service messages (whatsapp-cloud-api-more.md §9.4): `regular`, category `service`. */
export const SERVICE_CHARGED_FROM = Date.UTC(2026, 9, 1)

/**
 * Picks the pricing of a message (PMP, Meta's per-message pricing since July 2025): a template is
 * priced in its catalogue category when the sim knows it (`catalogueCategory`), else as configured
 * by name, else in the default category; a non-template message is a free service reply until Sep
 * 30, 2026 and a charged one (`regular`) from Oct 1, 2026, by the time the sim accepted it.
 */
export function pricingFor (message: AcceptedMessage, defaultCategory: string, byTemplate: Record<string, string>, catalogueCategory?: string): PricingChoice {
  if (message.type !== 'template') return { category: 'service', type: message.acceptedAt >= SERVICE_CHARGED_FROM ? 'regular' : 'free_customer_service' }
  const name = (message.body.template as { name?: unknown } | undefined)?.name
  return { category: catalogueCategory?.toLowerCase() ?? (typeof name === 'string' ? byTemplate[name] : undefined) ?? defaultCategory, type: 'regular' }
}

/** The per-message parts every status of one message shares. */
export interface MessageBilling {
  pricing: PricingChoice
  conversationId: string
  /** Whether `conversation` is sent: up to v23; v24+ omits it outside free-entry-point windows. */
  hasConversation: boolean
}

export function billingFor (message: AcceptedMessage, pricing: PricingChoice): MessageBilling {
  const major = Number(/^v(\d+)/.exec(message.apiVersion)?.[1] ?? 23)
  return { pricing, conversationId: randomBytes(16).toString('hex'), hasConversation: major <= 23 }
}

/** A `statuses[]` item: sent, delivered or read, with pricing when `withPricing`. */
export function statusItem (
  message: AcceptedMessage,
  billing: MessageBilling,
  input: { status: 'sent' | 'delivered' | 'read', nowMs: number, withPricing: boolean }
): Record<string, unknown> {
  const timestamp = Math.floor(input.nowMs / 1000)
  const item: Record<string, unknown> = { id: message.wamid, status: input.status, timestamp: String(timestamp), recipient_id: message.waId }
  if (billing.hasConversation) {
    item.conversation = {
      id: billing.conversationId,
      // Only the sent status carries the expiration of the 24 h window.
      ...(input.status === 'sent' ? { expiration_timestamp: String(timestamp + 24 * 3600) } : {}),
      origin: { type: billing.pricing.category }
    }
  }
  if (input.withPricing) {
    const p = billing.pricing
    item.pricing = { billable: p.type === 'regular', pricing_model: 'PMP', category: p.category, type: p.type }
  }
  if (message.bizOpaqueCallbackData !== undefined) item.biz_opaque_callback_data = message.bizOpaqueCallbackData
  return item
}

/** A `failed` status with Meta's `errors[]`. */
export function failedItem (message: AcceptedMessage, code: number, nowMs: number): Record<string, unknown> {
  const details = metaError(code).body.error.error_data?.details ?? errorTitle(code)
  const item: Record<string, unknown> = {
    id: message.wamid,
    status: 'failed',
    timestamp: String(Math.floor(nowMs / 1000)),
    recipient_id: message.waId,
    errors: [{
      code,
      title: errorTitle(code),
      message: errorTitle(code),
      error_data: { details },
      href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/'
    }]
  }
  if (message.bizOpaqueCallbackData !== undefined) item.biz_opaque_callback_data = message.bizOpaqueCallbackData
  return item
}
