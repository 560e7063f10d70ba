import type { PauseScope } from '@wabridge/graph-api'
import type { Clock } from './rate-limiter.ts'

/** Why a send tripped a breaker: Meta's answer, decided by pauseScopeOf. */
export interface BreakerTrip {
  scope: PauseScope
  code: number | null
  reason: string
  /** Meta's or the catalogue's wait before the same send can succeed (131048: an hour); the first probe waits at least this long (capped). */
  floorMs?: number
}

/** One open breaker: what it stops, since when, and when it probes next. */
export interface Breaker {
  /** `number:<phone number id>`, `waba:<waba id>` or `token:<fingerprint>`. */
  key: string
  scope: PauseScope
  /** The phone number, WABA, or token fingerprint it stops. */
  target: string
  /** The phone number whose send tripped it. */
  trippedBy: string
  code: number | null
  reason: string
  /** When it opened, epoch ms. */
  since: number
  /** Probes that failed so far. */
  probes: number
  nextProbeAt: number
  /** A probe is in flight. */
  probing: boolean
  floorMs: number
}

export type BreakerChange =
  | { type: 'opened', breaker: Breaker }
  /** A probe failed: the next one waits longer. */
  | { type: 'rearmed', breaker: Breaker }
  | { type: 'closed', breaker: Breaker, by: 'probe' | 'operator', at: number }

/** What a number's lane may do now. */
export type Admission =
  | { kind: 'go' }
  /** Send one request: its outcome decides whether the breakers blocking the number close. */
  | { kind: 'probe' }
  /** Nothing until `until` (Infinity: until a probe elsewhere ends or an operator resumes). */
  | { kind: 'wait', until: number }

export interface CircuitBreakersOptions {
  /** Wait before the first probe, ms; doubles after every failed probe. */
  probeBaseMs: number
  /** Longest wait between probes, ms. */
  probeMaxMs: number
  clock: Clock
  /** The breaker keys that apply to a phone number: its own, its WABA's (when known), its token's. */
  keysFor: (phoneNumberId: string) => string[]
  /** The WABA of a phone number, when known (WA_PHONE_WABAS). */
  wabaOf: (phoneNumberId: string) => string | undefined
  /** The fingerprint of the access token a phone number sends with, when it has one. */
  tokenOf: (phoneNumberId: string) => string | undefined
}

/** The key of the breaker a trip of `scope` opens for a send from `phoneNumberId`. */
export function breakerKey (scope: PauseScope, phoneNumberId: string, options: Pick<CircuitBreakersOptions, 'wabaOf' | 'tokenOf'>): { key: string, scope: PauseScope, target: string } {
  if (scope === 'waba') {
    const waba = options.wabaOf(phoneNumberId)
    // A WABA-wide error from a number whose WABA egress does not know stops at least that number.
    if (waba !== undefined) return { key: `waba:${waba}`, scope, target: waba }
  }
  if (scope === 'token') {
    const token = options.tokenOf(phoneNumberId)
    if (token !== undefined) return { key: `token:${token}`, scope, target: token }
  }
  return { key: `number:${phoneNumberId}`, scope: 'number', target: phoneNumberId }
}

/**
 * This instance's circuit breakers. A send refused with an error that fails every later send of
 * its number, WABA or token opens that scope's breaker: the lanes of the numbers it covers start
 * nothing more (their requests stay queued, or in Kafka), except one probe once the backoff
 * (`probeBaseMs` × 2^failed probes, at most `probeMaxMs`, at least the error's own wait) has passed. A probe
 * that Meta answers with anything but such an error closes every breaker of its number; an
 * operator's resume closes them at once. Pure state with an injected clock; listeners do the I/O.
 */
export class CircuitBreakers {
  readonly #open = new Map<string, Breaker>()
  readonly #listeners: Array<(change: BreakerChange) => void> = []
  readonly #options: CircuitBreakersOptions

  constructor (options: CircuitBreakersOptions) {
    this.#options = options
  }

  onChange (listener: (change: BreakerChange) => void): void { this.#listeners.push(listener) }

  #emit (change: BreakerChange): void {
    for (const listener of this.#listeners) listener(change)
  }

  #delay (probes: number, floorMs: number): number {
    const { probeBaseMs, probeMaxMs } = this.#options
    return Math.min(probeMaxMs, Math.max(probeBaseMs * 2 ** Math.min(probes, 30), floorMs))
  }

  /** The open breakers that stop a phone number. */
  blockers (phoneNumberId: string): Breaker[] {
    const out: Breaker[] = []
    for (const key of this.#options.keysFor(phoneNumberId)) {
      const b = this.#open.get(key)
      if (b) out.push(b)
    }
    return out
  }

  isBlocked (phoneNumberId: string): boolean {
    return this.blockers(phoneNumberId).length > 0
  }

  /** Whether a lane may start a send now, a probe, or must wait. A probe is granted once per breaker at a time. */
  admit (phoneNumberId: string): Admission {
    const blockers = this.blockers(phoneNumberId)
    if (blockers.length === 0) return { kind: 'go' }
    if (blockers.some((b) => b.probing)) return { kind: 'wait', until: Infinity }
    const due = Math.max(...blockers.map((b) => b.nextProbeAt))
    if (this.#options.clock() < due) return { kind: 'wait', until: due }
    for (const b of blockers) b.probing = true
    return { kind: 'probe' }
  }

  /** A send from `phoneNumberId` was refused with a pausing error; `probe` when it was the probe. */
  tripped (phoneNumberId: string, trip: BreakerTrip, probe: boolean): Breaker {
    const now = this.#options.clock()
    const { key, scope, target } = breakerKey(trip.scope, phoneNumberId, this.#options)
    const floorMs = Math.min(trip.floorMs ?? 0, this.#options.probeMaxMs)
    let breaker = this.#open.get(key)
    if (!breaker) {
      breaker = { key, scope, target, trippedBy: phoneNumberId, code: trip.code, reason: trip.reason, since: now, probes: 0, nextProbeAt: now + this.#delay(0, floorMs), probing: false, floorMs }
      this.#open.set(key, breaker)
      if (probe) this.#probeFailed(phoneNumberId, now, breaker)
      this.#emit({ type: 'opened', breaker })
      return breaker
    }
    breaker.code = trip.code
    breaker.reason = trip.reason
    breaker.floorMs = floorMs
    if (probe) this.#probeFailed(phoneNumberId, now)
    return breaker
  }

  /** Every breaker that was probing for this number waits longer before the next probe. */
  #probeFailed (phoneNumberId: string, now: number, except?: Breaker): void {
    for (const b of this.blockers(phoneNumberId)) {
      if (b === except || !b.probing) continue
      b.probing = false
      b.probes++
      b.nextProbeAt = now + this.#delay(b.probes, b.floorMs)
      this.#emit({ type: 'rearmed', breaker: b })
    }
  }

  /** Meta answered the probe without a pausing error: every breaker of the number closes. */
  probeSucceeded (phoneNumberId: string): Breaker[] {
    const now = this.#options.clock()
    const closed = this.blockers(phoneNumberId)
    for (const b of closed) {
      this.#open.delete(b.key)
      this.#emit({ type: 'closed', breaker: b, by: 'probe', at: now })
    }
    return closed
  }

  /** The probe ended without an answer that tells (already final, expired, in doubt, a transient error): another may go at once. */
  probeInconclusive (phoneNumberId: string): void {
    for (const b of this.blockers(phoneNumberId)) b.probing = false
  }

  /**
   * An operator's resume of a phone number or WABA id: closes the breakers of that number (its own,
   * its WABA's, its token's) or of that WABA. Returns what it closed.
   */
  resume (id: string): Breaker[] {
    const now = this.#options.clock()
    const keys = new Set([`number:${id}`, `waba:${id}`, ...this.#options.keysFor(id)])
    const closed: Breaker[] = []
    for (const key of keys) {
      const b = this.#open.get(key)
      if (!b) continue
      this.#open.delete(key)
      closed.push(b)
      this.#emit({ type: 'closed', breaker: b, by: 'operator', at: now })
    }
    return closed
  }

  list (): Breaker[] { return [...this.#open.values()].map((b) => ({ ...b })) }
}
