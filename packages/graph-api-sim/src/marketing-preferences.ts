import { parsePhoneNumberFromString } from 'libphonenumber-js/min'

/**
 * Who may not get marketing templates (whatsapp-cloud-api-more.md §5.1): users who stopped
 * marketing from a business (per WABA; Meta then fails the send with 131050), and users at the
 * per-user marketing limit, which spans every business (131049).
 */
export interface MarketingPreferences {
  /** `stop` or `resume` marketing from a WABA; returns whether the user is now opted out. */
  set (wabaId: string, waId: string, value: 'stop' | 'resume', now: number): boolean
  isOptedOut (wabaId: string, waId: string): boolean
  optOuts (): Array<{ wabaId: string, waId: string, at: number }>
  setLimited (waId: string, limited: boolean): void
  isLimited (waId: string): boolean
  limited (): string[]
}

const digits = (s: string): string => s.replace(/\D/g, '')

/** Meta delivers no marketing templates to US numbers (+1 with a US area code; Canada and the Caribbean are not US). */
export function isUsNumber (waId: string): boolean {
  return parsePhoneNumberFromString(`+${digits(waId)}`)?.country === 'US'
}

export function createMarketingPreferences (): MarketingPreferences {
  const optedOut = new Map<string, { wabaId: string, waId: string, at: number }>()
  const limited = new Set<string>()
  const key = (wabaId: string, waId: string): string => `${wabaId}:${digits(waId)}`
  return {
    set (wabaId, waId, value, now) {
      if (value === 'stop') optedOut.set(key(wabaId, waId), { wabaId, waId: digits(waId), at: now })
      else optedOut.delete(key(wabaId, waId))
      return value === 'stop'
    },
    isOptedOut: (wabaId, waId) => optedOut.has(key(wabaId, waId)),
    optOuts: () => [...optedOut.values()],
    setLimited (waId, on) { if (on) limited.add(digits(waId)); else limited.delete(digits(waId)) },
    isLimited: (waId) => limited.has(digits(waId)),
    limited: () => [...limited].sort()
  }
}
