/**
 * Statuses of one outbound message as a lattice: `read` implies `delivered` implies `sent`
 * (Meta may skip `delivered` when delivery and read coincide), `played` (voice) implies `read`.
 * `failed` stands apart. Folding a status sets the bits it implies; only bits not set before are
 * counted, so duplicates and statuses that arrive after a later one (read, then sent) add nothing.
 */
export const STATUS_BIT = { sent: 1, delivered: 2, read: 4, played: 8, failed: 16 } as const
export type LatticeStatus = keyof typeof STATUS_BIT

/** Set once the message's `pricing` has been counted (it comes on `sent` and again on one later status). */
export const PRICED_BIT = 32
/** Marks an id as seen, for records deduplicated by id alone. */
export const SEEN_BIT = 64

const IMPLIED: Record<LatticeStatus, number> = {
  sent: STATUS_BIT.sent,
  delivered: STATUS_BIT.sent | STATUS_BIT.delivered,
  read: STATUS_BIT.sent | STATUS_BIT.delivered | STATUS_BIT.read,
  played: STATUS_BIT.sent | STATUS_BIT.delivered | STATUS_BIT.read | STATUS_BIT.played,
  failed: STATUS_BIT.failed
}

const ORDER = Object.keys(STATUS_BIT) as LatticeStatus[]

/** The bits a status implies, or undefined for a status outside the lattice (e.g. `deleted`). */
export function impliedBits (status: string): number | undefined {
  return Object.hasOwn(IMPLIED, status) ? IMPLIED[status as LatticeStatus] : undefined
}

/** Names of the status bits set in `bits`, in lattice order. */
export function statusNames (bits: number): LatticeStatus[] {
  return ORDER.filter((name) => (bits & STATUS_BIT[name]) !== 0)
}
