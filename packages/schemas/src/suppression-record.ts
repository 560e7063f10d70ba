// The value of wa.suppressions, matching avro/suppression.avsc field for field (a test checks it).

/** Symbols of the SuppressionReason enum. */
export const SUPPRESSION_REASONS = ['opted_out', 'keyword', 'manual', 'marketing_limit'] as const
export type SuppressionReason = typeof SUPPRESSION_REASONS[number]

/** A recipient that gets no bulk message from a WABA (topic wa.suppressions, compacted, key = suppressionKey). */
export interface Suppression {
  /** WABA id, or 'phone:{phone_number_id}' when the number's WABA is not configured (see suppressionScope). */
  scope: string
  /** E.164 digits without '+'. */
  wa_id: string
  reason: SuppressionReason
  source: string
  created_at: number
  /** null = until removed. */
  expires_at: number | null
  created_by: string | null
}

/** The suppression scope of a sending number: its WABA when known, else the number itself. */
export function suppressionScope (phoneNumberId: string, wabaOf: (phoneNumberId: string) => string | undefined): string {
  return wabaOf(phoneNumberId) ?? `phone:${phoneNumberId}`
}

/** The wa_id of a recipient as given in a request or webhook: its digits ('+1 650-555' → '1650555'). */
export function recipientWaId (to: string): string {
  return to.replace(/\D/g, '')
}

/** The Kafka key of a suppression: '{scope}:{wa_id}'. */
export function suppressionKey (scope: string, waId: string): string {
  return `${scope}:${waId}`
}

/** Whether a suppression holds at `now` (expires_at passed = lifted). */
export function suppressionActive (s: Pick<Suppression, 'expires_at'>, now: number): boolean {
  return s.expires_at === null || s.expires_at > now
}
