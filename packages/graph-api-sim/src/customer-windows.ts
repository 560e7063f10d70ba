import { DAY_MS } from './messaging-limits.ts'

/** One customer service window: the last inbound message of a user to a number, and when the window closes. */
export interface CustomerWindowState {
  phoneNumberId: string
  /** Digits only. */
  waId: string
  lastInboundAt: number
  /** lastInboundAt + 24 h. */
  expiresAt: number
  open: boolean
}

/**
 * Customer service windows: a user's message to a number opens (or resets) a 24 h window between
 * that number and the user (whatsapp-cloud-api-more.md §4). The sim's own inbound messages open one,
 * and so does the control (POST /_sim/windows). Times are the sim's clock.
 */
export interface CustomerWindows {
  /** Records the user's last inbound message to the number at `at` (a past time may close the window). */
  open (phoneNumberId: string, waId: string, at: number): void
  isOpen (phoneNumberId: string, waId: string, now: number): boolean
  /** The window of the pair, undefined when the user never wrote to the number. */
  get (phoneNumberId: string, waId: string, now: number): CustomerWindowState | undefined
  /** Every known window, optionally of one number and/or user, by number then user. */
  list (now: number, filter?: { phoneNumberId?: string, waId?: string }): CustomerWindowState[]
  clear (): void
}

const digits = (waId: string): string => waId.replace(/\D/g, '')

export function createCustomerWindows (): CustomerWindows {
  const lastInbound = new Map<string, { phoneNumberId: string, waId: string, at: number }>()
  const key = (phoneNumberId: string, waId: string): string => `${phoneNumberId}:${digits(waId)}`
  const state = (w: { phoneNumberId: string, waId: string, at: number }, now: number): CustomerWindowState =>
    ({ phoneNumberId: w.phoneNumberId, waId: w.waId, lastInboundAt: w.at, expiresAt: w.at + DAY_MS, open: now - w.at < DAY_MS })
  return {
    open (phoneNumberId, waId, at) { lastInbound.set(key(phoneNumberId, waId), { phoneNumberId, waId: digits(waId), at }) },
    isOpen (phoneNumberId, waId, now) {
      const w = lastInbound.get(key(phoneNumberId, waId))
      return w !== undefined && now - w.at < DAY_MS
    },
    get (phoneNumberId, waId, now) {
      const w = lastInbound.get(key(phoneNumberId, waId))
      return w === undefined ? undefined : state(w, now)
    },
    list (now, filter = {}) {
      const waId = filter.waId === undefined ? undefined : digits(filter.waId)
      return [...lastInbound.values()]
        .filter((w) => (filter.phoneNumberId === undefined || w.phoneNumberId === filter.phoneNumberId) && (waId === undefined || w.waId === waId))
        .sort((a, b) => a.phoneNumberId.localeCompare(b.phoneNumberId) || a.waId.localeCompare(b.waId))
        .map((w) => state(w, now))
    },
    clear () { lastInbound.clear() }
  }
}
