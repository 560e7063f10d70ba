import type { GraphApiClient } from '@wabridge/graph-api'
import type { RateSource } from '@wabridge/schemas'

/** A number's send rate and where it comes from. */
export interface NumberRate {
  mps: number
  source: RateSource
  /** Meta's throughput level, once read. */
  level?: string
}

export interface ThroughputOptions {
  client: Pick<GraphApiClient, 'getPhoneNumber'>
  tokenFor: (phoneNumberId: string) => string | undefined
  /** EGRESS_DEFAULT_MPS: numbers at Meta's STANDARD level, or not read yet. */
  defaultMps: number
  /** Rate of numbers at Meta's HIGH level. */
  highMps: number
  /** EGRESS_MPS_OVERRIDES: always win. */
  overrides: Record<string, string>
  /** Coexistence numbers: fixed at 20 msg/s whatever Meta's level. */
  coexistence: ReadonlySet<string>
  /** The numbers to read from Meta (configured ones and those egress has sent for). */
  numbers: () => Iterable<string>
  /** A number's rate changed. */
  onChange: (phoneNumberId: string, rate: NumberRate) => void
  logger: { info(obj: object, msg: string): void, warn(obj: object, msg: string): void }
}

/** Coexistence numbers (WhatsApp Business app and Cloud API together) have a fixed throughput. */
export const COEXISTENCE_MPS = 20

/**
 * Each number's send rate, kept current without a restart: an explicit override wins, then a
 * coexistence number's fixed 20, then Meta's throughput level (`GET /{id}?fields=throughput`: HIGH
 * → `highMps`; STANDARD or unknown → the default). Levels are read at start, on every
 * THROUGHPUT_UPGRADE webhook (which names the display number: mapped through the numbers read), after
 * a 131057 (maintenance during an upgrade), and periodically by the caller.
 */
export function createThroughput (options: ThroughputOptions) {
  const levels = new Map<string, string>()
  const byDisplay = new Map<string, string>()
  const inFlight = new Map<string, Promise<void>>()

  function rateFor (phoneNumberId: string): NumberRate {
    const override = options.overrides[phoneNumberId]
    const level = levels.get(phoneNumberId)
    const withLevel = level === undefined ? {} : { level }
    if (override !== undefined) return { mps: Number(override), source: 'override', ...withLevel }
    if (options.coexistence.has(phoneNumberId)) return { mps: COEXISTENCE_MPS, source: 'coexistence', ...withLevel }
    if (level === 'HIGH') return { mps: options.highMps, source: 'meta', level }
    return { mps: options.defaultMps, source: 'configured', ...withLevel }
  }

  async function read (phoneNumberId: string): Promise<void> {
    const token = options.tokenFor(phoneNumberId)
    if (token === undefined) return
    const before = rateFor(phoneNumberId)
    const info = await options.client.getPhoneNumber(phoneNumberId, { token, fields: ['display_phone_number', 'throughput'] })
    if (!info.ok) {
      options.logger.warn({ phoneNumberId, code: info.error.code, error: info.error.message }, 'could not read the phone number\'s throughput')
      return
    }
    if (info.displayPhoneNumber !== undefined) byDisplay.set(digits(info.displayPhoneNumber), phoneNumberId)
    if (info.throughputLevel !== undefined) levels.set(phoneNumberId, info.throughputLevel)
    const after = rateFor(phoneNumberId)
    if (after.mps !== before.mps || after.level !== before.level) {
      options.logger.info({ phoneNumberId, level: after.level, mps: after.mps, source: after.source }, 'phone number throughput changed')
      options.onChange(phoneNumberId, after)
    }
  }

  /** Reads one number's level (one read at a time per number). */
  function refresh (phoneNumberId: string): Promise<void> {
    const running = inFlight.get(phoneNumberId)
    if (running) return running
    const p = read(phoneNumberId).catch((err: unknown) => { options.logger.warn({ err, phoneNumberId }, 'throughput read failed') }).finally(() => inFlight.delete(phoneNumberId))
    inFlight.set(phoneNumberId, p)
    return p
  }

  async function refreshAll (): Promise<void> {
    await Promise.all([...new Set(options.numbers())].map(refresh))
  }

  return {
    rateFor,
    refresh,
    refreshAll,
    /**
     * A THROUGHPUT_UPGRADE webhook for a display number: its id is read again (every known number
     * when the display number is not known yet, which also learns it).
     */
    async upgraded (displayPhoneNumber: string): Promise<void> {
      const id = byDisplay.get(digits(displayPhoneNumber))
      if (id !== undefined) return refresh(id)
      await refreshAll()
    },
    /** The numbers configured or seen so far. */
    knownNumbers: () => [...new Set(options.numbers())],
    /** The id of a display number read so far. */
    idOf: (displayPhoneNumber: string) => byDisplay.get(digits(displayPhoneNumber))
  }
}

const digits = (s: string) => s.replace(/\D/g, '')

export type Throughput = ReturnType<typeof createThroughput>
