import { randomBytes } from 'node:crypto'
import type { WebhookSubscription } from '@wabridge/schemas'
import { WebhooksError } from './errors.ts'
import { EVENT_TYPES, isEventType, type SourceEvent } from './events.ts'
import { generateSecret } from './signature.ts'

/** What an operator gives to create a subscription. */
export interface SubscriptionInput {
  url: string
  /** Default: every event type. */
  eventTypes?: readonly string[] | undefined
  /** Default: every number. */
  phoneNumberIds?: readonly string[] | undefined
  description?: string | undefined
}

/** Throws WEBHOOKS_INVALID_SUBSCRIPTION unless `url` is an absolute http(s) URL without credentials. */
export function checkUrl (url: string): void {
  let parsed: URL
  try { parsed = new URL(url) } catch { throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', `url '${url}' is not an absolute URL`) }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', 'url must be http or https')
  if (parsed.username !== '' || parsed.password !== '') throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', 'url must not carry credentials (the signature authenticates the sender)')
}

/** A new, enabled subscription with one fresh secret. */
export function newSubscription (input: SubscriptionInput, now: number): WebhookSubscription {
  checkUrl(input.url)
  const eventTypes = [...new Set(input.eventTypes && input.eventTypes.length > 0 ? input.eventTypes : EVENT_TYPES)]
  const bad = eventTypes.filter((t) => !isEventType(t))
  if (bad.length > 0) throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', `unknown event type(s) ${bad.join(', ')}: use ${EVENT_TYPES.join(', ')}`)
  const numbers = [...new Set(input.phoneNumberIds ?? [])]
  const badNumbers = numbers.filter((n) => !/^\d+$/.test(n))
  if (badNumbers.length > 0) throw new WebhooksError('WEBHOOKS_INVALID_SUBSCRIPTION', `phone number ids are digits: ${badNumbers.join(', ')}`)
  return {
    subscription_id: `sub_${randomBytes(12).toString('hex')}`,
    url: input.url,
    event_types: eventTypes,
    phone_number_ids: numbers,
    secrets: [{ secret: generateSecret(), created_at: now, expires_at: null }],
    enabled: true,
    description: input.description ?? null,
    created_at: now,
    updated_at: now,
    disabled_at: null,
    disabled_reason: null
  }
}

/**
 * Adds a new secret; the ones that sign now keep signing until `now + graceMs` (both are used,
 * space-separated in webhook-signature), and expired ones are dropped.
 */
export function rotateSecret (sub: WebhookSubscription, now: number, graceMs: number): WebhookSubscription {
  const kept = sub.secrets
    .filter((s) => s.expires_at === null || s.expires_at > now)
    .map((s) => ({ ...s, expires_at: Math.min(s.expires_at ?? Infinity, now + graceMs) }))
  return { ...sub, secrets: [...kept, { secret: generateSecret(), created_at: now, expires_at: null }], updated_at: now }
}

export function setEnabled (sub: WebhookSubscription, enabled: boolean, now: number, reason?: string): WebhookSubscription {
  return enabled
    ? { ...sub, enabled: true, disabled_at: null, disabled_reason: null, updated_at: now }
    : { ...sub, enabled: false, disabled_at: now, disabled_reason: reason ?? 'disabled by an operator', updated_at: now }
}

/** Whether `sub` wants `event` (enabled or not: a disabled subscription's events go to the failed topic). */
export function wants (sub: WebhookSubscription, event: Pick<SourceEvent, 'type' | 'phoneNumberId'>): boolean {
  return sub.event_types.includes(event.type) && (sub.phone_number_ids.length === 0 || sub.phone_number_ids.includes(event.phoneNumberId))
}

/** The subscription as the API and CLI list it: secrets shortened to their first characters. */
export function redacted (sub: WebhookSubscription): WebhookSubscription {
  return { ...sub, secrets: sub.secrets.map((s) => ({ ...s, secret: `${s.secret.slice(0, 10)}…` })) }
}
