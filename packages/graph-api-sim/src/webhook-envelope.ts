import type { PhoneNumber } from './phone-numbers.ts'

/** One item for a webhook: a status, or an inbound message with its sender's contact. */
export type WebhookEvent =
  | { phone: PhoneNumber, kind: 'statuses', item: Record<string, unknown> }
  | { phone: PhoneNumber, kind: 'messages', item: Record<string, unknown>, contact: { profile: { name: string }, wa_id: string } }
  /** A change of another field (e.g. phone_number_quality_update), about the number's WABA; `value` is sent as is. */
  | { phone: PhoneNumber, kind: 'change', field: string, value: Record<string, unknown> }
  /** A change about a WABA itself, not one of its numbers (e.g. business_capability_update). */
  | { wabaId: string, kind: 'waba-change', field: string, value: Record<string, unknown> }

/**
 * Meta's webhook envelope for a batch of events: one `entry` per WABA, one `messages` change per
 * phone number and kind (statuses, or contacts + messages), in arrival order.
 */
export function buildEnvelope (events: readonly WebhookEvent[]): Record<string, unknown> {
  const entries = new Map<string, Map<string, Record<string, unknown>>>()
  const others = new Map<string, Array<{ field: string, value: Record<string, unknown> }>>()
  for (const e of events) {
    const wabaId = e.kind === 'waba-change' ? e.wabaId : e.phone.wabaId
    let changes = entries.get(wabaId)
    if (!changes) entries.set(wabaId, changes = new Map())
    if (e.kind === 'change' || e.kind === 'waba-change') {
      const list = others.get(wabaId) ?? []
      list.push({ field: e.field, value: e.value })
      others.set(wabaId, list)
      continue
    }
    const key = `${e.phone.id}\u0000${e.kind}`
    let value = changes.get(key)
    if (!value) {
      value = {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: e.phone.displayPhoneNumber, phone_number_id: e.phone.id }
      }
      if (e.kind === 'messages') value.contacts = []
      value[e.kind] = []
      changes.set(key, value)
    }
    ;(value[e.kind] as unknown[]).push(e.item)
    if (e.kind === 'messages') {
      const contacts = value.contacts as Array<{ wa_id: string }>
      if (!contacts.some((c) => c.wa_id === e.contact.wa_id)) contacts.push(e.contact)
    }
  }
  return {
    object: 'whatsapp_business_account',
    entry: [...entries].map(([id, changes]) => ({
      id,
      // WABA-level fields carry entry[].time (seconds).
      ...(others.has(id) && { time: Math.floor(Date.now() / 1000) }),
      changes: [...[...changes.values()].map((value) => ({ field: 'messages', value })), ...(others.get(id) ?? [])]
    }))
  }
}
