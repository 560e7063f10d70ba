import type { PhoneNumber } from './phone-numbers.ts'

/** Fields of GET /{phone-number-id} the sim answers; others are ignored, as Meta ignores unknown ones only in part. */
const KNOWN_FIELDS = new Set(['id', 'display_phone_number', 'throughput', 'verified_name', 'platform_type', 'whatsapp_business_manager_messaging_limit', 'messaging_limit_tier'])

/**
 * The body of `GET /{version}/{phone-number-id}?fields=…`: `id` always, plus the requested fields
 * the sim knows (`display_phone_number`, `throughput: { level }`, `platform_type`,
 * `whatsapp_business_manager_messaging_limit`: the tier of the number's portfolio). Without
 * `fields`, Meta's default set: id and display_phone_number.
 */
export function phoneNumberInfo (phone: PhoneNumber, fields: string | undefined, messagingLimitTier = 'TIER_UNLIMITED'): Record<string, unknown> {
  const wanted = (fields ?? 'display_phone_number').split(',').map((f) => f.trim()).filter((f) => KNOWN_FIELDS.has(f))
  const body: Record<string, unknown> = { id: phone.id }
  for (const field of wanted) {
    if (field === 'display_phone_number') body.display_phone_number = phone.displayPhoneNumber
    else if (field === 'throughput') body.throughput = { level: phone.throughputLevel }
    else if (field === 'verified_name') body.verified_name = `Sim ${phone.id}`
    else if (field === 'platform_type') body.platform_type = 'CLOUD_API'
    // The portfolio's tier (limits are per portfolio since Oct 2025); the deprecated field says the same.
    else if (field === 'whatsapp_business_manager_messaging_limit' || field === 'messaging_limit_tier') body[field] = messagingLimitTier
  }
  return body
}

/**
 * The body of `GET /{version}/{waba-id or portfolio-id}?fields=…`: `id` always, `name` by default,
 * and `whatsapp_business_manager_messaging_limit` (the portfolio's tier) when asked for.
 */
export function businessNodeInfo (node: { id: string, name: string, messagingLimitTier: string }, fields: string | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = { id: node.id }
  for (const field of (fields ?? 'name').split(',').map((f) => f.trim())) {
    if (field === 'name') body.name = node.name
    else if (field === 'whatsapp_business_manager_messaging_limit') body[field] = node.messagingLimitTier
  }
  return body
}
