/** Per-number settings; all optional. */
export interface PhoneNumberConfig {
  /** Throughput limit, messages per second (inbound and outbound together). */
  mps?: number
  /** When set, only this bearer token is accepted for the number (else any non-empty token). */
  token?: string
  /** The WABA the number belongs to (webhook `entry[].id`). */
  wabaId?: string
  /** `metadata.display_phone_number` in webhooks. */
  displayPhoneNumber?: string
  /** `throughput.level` of GET /{phone-number-id}?fields=throughput: STANDARD (default), HIGH, NOT_APPLICABLE. */
  throughputLevel?: string
}

/** A number's settings with defaults filled in. */
export interface PhoneNumber {
  id: string
  mps: number
  token?: string
  wabaId: string
  displayPhoneNumber: string
  throughputLevel: string
}

/** The phone numbers the sim knows; unknown ids get defaults unless the sim is strict. */
export interface PhoneNumberRegistry {
  get (id: string): PhoneNumber
  isConfigured (id: string): boolean
  set (id: string, config: PhoneNumberConfig): PhoneNumber
  list (): PhoneNumber[]
}

/** Default WABA id for a number: the number id plus 10^12 when numeric, else `<id>-waba`. */
export function deriveWabaId (phoneNumberId: string): string {
  return /^\d{1,30}$/.test(phoneNumberId) ? String(BigInt(phoneNumberId) + 1_000_000_000_000n) : `${phoneNumberId}-waba`
}

/** Default display number: 1555 followed by the last 7 digits of the id. */
export function deriveDisplayPhoneNumber (phoneNumberId: string): string {
  return '1555' + phoneNumberId.replace(/\D/g, '').slice(-7).padStart(7, '0')
}

export function createPhoneNumberRegistry (configs: Record<string, PhoneNumberConfig>, defaultMps: () => number): PhoneNumberRegistry {
  const configured = new Map<string, PhoneNumberConfig>(Object.entries(configs))

  function get (id: string): PhoneNumber {
    const c = configured.get(id) ?? {}
    return {
      id,
      mps: c.mps ?? defaultMps(),
      ...(c.token === undefined ? {} : { token: c.token }),
      wabaId: c.wabaId ?? deriveWabaId(id),
      displayPhoneNumber: c.displayPhoneNumber ?? deriveDisplayPhoneNumber(id),
      throughputLevel: c.throughputLevel ?? 'STANDARD'
    }
  }

  return {
    get,
    isConfigured: (id) => configured.has(id),
    set (id, config) {
      configured.set(id, { ...configured.get(id), ...config })
      return get(id)
    },
    list: () => [...configured.keys()].map(get)
  }
}
