import type { PhoneNumber } from './phone-numbers.ts'

/** Fields of GET /{phone-number-id} the sim answers; others are ignored, as Meta ignores unknown ones only in part. */
const KNOWN_FIELDS = new Set(['id', 'display_phone_number', 'throughput', 'verified_name', 'platform_type'])

/**
 * The body of `GET /{version}/{phone-number-id}?fields=…`: `id` always, plus the requested fields
 * the sim knows (`display_phone_number`, `throughput: { level }`, `platform_type`). Without
 * `fields`, Meta's default set: id and display_phone_number.
 */
export function phoneNumberInfo (phone: PhoneNumber, fields: string | undefined): Record<string, unknown> {
  const wanted = (fields ?? 'display_phone_number').split(',').map((f) => f.trim()).filter((f) => KNOWN_FIELDS.has(f))
  const body: Record<string, unknown> = { id: phone.id }
  for (const field of wanted) {
    if (field === 'display_phone_number') body.display_phone_number = phone.displayPhoneNumber
    else if (field === 'throughput') body.throughput = { level: phone.throughputLevel }
    else if (field === 'verified_name') body.verified_name = `Sim ${phone.id}`
    else if (field === 'platform_type') body.platform_type = 'CLOUD_API'
  }
  return body
}
