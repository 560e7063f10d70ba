import { deflateRawSync, inflateRawSync } from 'node:zlib'

/** What happened to one recipient, one byte each. The order is the order of progress. */
export const RS = { pending: 0, queued: 1, sent: 2, delivered: 3, read: 4, failed: 5, suppressed: 6, skipped: 7 } as const
export type RecipientState = typeof RS[keyof typeof RS]

/** A result or status of a released request: accepted, failed (with code), delivered, read, suppressed by egress. */
export type ProgressEvent = 'a' | 'f' | 'd' | 'r' | 's'

export interface Counts {
  queued: number
  sent: number
  delivered: number
  read: number
  failed: number
  suppressed: number
  skipped: number
}

const isFinal = (s: number) => s === RS.failed || s === RS.suppressed || s === RS.skipped

/**
 * The state of every recipient of a campaign. Events only move a recipient forward, so applying
 * the same result or status twice (at-least-once delivery of progress) counts it once.
 */
export class RecipientStates {
  readonly bytes: Uint8Array
  readonly histogram = new Array<number>(8).fill(0)
  failedByCode: Record<string, number>

  constructor (size: number, bytes?: Uint8Array, failedByCode: Record<string, number> = {}) {
    this.bytes = bytes && bytes.length === size ? bytes : new Uint8Array(size)
    for (const b of this.bytes) this.histogram[b]!++
    this.failedByCode = { ...failedByCode }
  }

  static decode (size: number, deflated: Buffer | null, failedByCode: Record<string, number>): RecipientStates {
    return new RecipientStates(size, deflated ? new Uint8Array(inflateRawSync(deflated)) : undefined, failedByCode)
  }

  encode (): Buffer {
    return deflateRawSync(this.bytes)
  }

  get size (): number { return this.bytes.length }
  get (i: number): number { return this.bytes[i]! }

  set (i: number, s: RecipientState): void {
    this.histogram[this.bytes[i]!]!--
    this.bytes[i] = s
    this.histogram[s]!++
  }

  /** Applies a result or status; true when it changed the recipient's state. */
  apply (i: number, event: ProgressEvent, code: string | null): boolean {
    if (i < 0 || i >= this.bytes.length) return false
    const s = this.bytes[i]!
    if (isFinal(s)) return false
    const to = event === 'a' ? RS.sent : event === 'd' ? RS.delivered : event === 'r' ? RS.read : event === 's' ? RS.suppressed : RS.failed
    if (to === RS.failed || to === RS.suppressed) {
      if (to === RS.failed) this.failedByCode[code ?? 'none'] = (this.failedByCode[code ?? 'none'] ?? 0) + 1
      this.set(i, to)
      return true
    }
    if (to <= s) return false
    this.set(i, to)
    return true
  }

  counts (): Counts {
    const h = this.histogram
    return {
      queued: h[RS.queued]!,
      sent: h[RS.sent]! + h[RS.delivered]! + h[RS.read]!,
      delivered: h[RS.delivered]! + h[RS.read]!,
      read: h[RS.read]!,
      failed: h[RS.failed]!,
      suppressed: h[RS.suppressed]!,
      skipped: h[RS.skipped]!
    }
  }

  get pending (): number { return this.histogram[RS.pending]! }
}
