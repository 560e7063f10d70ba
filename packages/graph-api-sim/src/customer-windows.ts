import { DAY_MS } from './messaging-limits.ts'

/**
 * Customer service windows: a user's message to a number opens (or resets) a 24 h window between
 * that number and the user (whatsapp-cloud-api-more.md §4). Only inbound messages the sim generated
 * open one. Times are the sim's clock.
 */
export interface CustomerWindows {
  open (phoneNumberId: string, waId: string, now: number): void
  isOpen (phoneNumberId: string, waId: string, now: number): boolean
  clear (): void
}

export function createCustomerWindows (): CustomerWindows {
  const lastInbound = new Map<string, number>()
  const key = (phoneNumberId: string, waId: string): string => `${phoneNumberId}:${waId.replace(/\D/g, '')}`
  return {
    open (phoneNumberId, waId, now) { lastInbound.set(key(phoneNumberId, waId), now) },
    isOpen (phoneNumberId, waId, now) {
      const at = lastInbound.get(key(phoneNumberId, waId))
      return at !== undefined && now - at < DAY_MS
    },
    clear () { lastInbound.clear() }
  }
}
