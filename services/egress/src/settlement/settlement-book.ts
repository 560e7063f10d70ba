import type { OutboundResult, ResultError } from '@wabridge/schemas'
import type { StatusEvidence } from './status-evidence.ts'
import { evidenceReason, noStatusReason } from './settlement-reasons.ts'

export { inDoubtReason, unknownReason } from './settlement-reasons.ts'

/** How long an unknown result waits for a deciding status by default, from its completed_at: 24 h. */
export const DEFAULT_SETTLEMENT_WINDOW_MS = 24 * 3_600_000

/** An unknown result awaiting settlement. */
export interface PendingSettlement {
  requestId: string
  /** The published unknown result. */
  unknown: OutboundResult
}

export interface SettlementBookOptions {
  /** How long after the unknown's completed_at a status may still settle it, ms. Default DEFAULT_SETTLEMENT_WINDOW_MS. */
  windowMs?: number
  clock: () => number
}

export interface SettlementBook {
  /** Adds a pending unknown (its result must have status 'unknown'); a request id already in the book is ignored. */
  add(p: PendingSettlement): void
  has(requestId: string): boolean
  /**
   * Evidence arrived: the settlement record to write (status accepted | failed, settlement set), or
   * undefined when the request is not pending or its record was already handed out. Each entry hands
   * out one record, from settle() or due(), so a request gets at most one settlement record.
   */
  settle(evidence: StatusEvidence): OutboundResult | undefined
  /** Pending entries whose window has passed: the "no status in time" records to write (status stays unknown, reason says why). */
  due(): OutboundResult[]
  /** After the record was durably written. */
  remove(requestId: string): void
  /** Entries in the book, including those whose record was handed out but not yet removed. */
  size(): number
  /** Earliest deadline of an entry whose record was not handed out yet, epoch ms, for a timer. */
  nextDeadline(): number | undefined
}

const FAILED_WITHOUT_ERROR: ResultError = {
  code: null, subcode: null, message: "status 'failed' without an error", details: null, class: 'permanent', fbtrace_id: null
}

/** The fields a deciding status sets on a result. */
function decided (result: OutboundResult, e: StatusEvidence): Pick<OutboundResult, 'status' | 'wamid' | 'wa_id' | 'error' | 'reason'> {
  const common = { wamid: e.wamid ?? result.wamid, wa_id: e.recipientId ?? result.wa_id, reason: evidenceReason(result, e) }
  return e.status === 'failed'
    ? { ...common, status: 'failed', error: e.error ?? FAILED_WITHOUT_ERROR }
    : { ...common, status: 'accepted', error: null }
}

/**
 * The first (and final) result of an in-doubt request decided by evidence before any unknown was
 * published: `base` is the result egress would publish (its status is replaced).
 */
export function resultFromEvidence (base: OutboundResult, e: StatusEvidence): OutboundResult {
  return { ...base, ...decided(base, e), settlement: null }
}

/**
 * The settlement record that supersedes `unknown`: decided by `evidence`, or, when it is null, still
 * unknown because no deciding status came in time. completed_at is `now`; everything else that the
 * evidence does not decide (attempts, times, metadata, source position) is the unknown's.
 */
export function settlementRecord (unknown: OutboundResult, evidence: StatusEvidence | null, now: number): OutboundResult {
  const record: OutboundResult = {
    ...unknown,
    completed_at: now,
    settlement: {
      supersedes_status: unknown.status,
      supersedes_completed_at: unknown.completed_at,
      evidence: evidence ? 'status_webhook' : 'no_status_in_time',
      status_at: evidence?.at ?? null
    }
  }
  return evidence
    ? { ...record, ...decided(unknown, evidence) }
    : { ...record, status: 'unknown', reason: noStatusReason(unknown, now) }
}

interface Entry { unknown: OutboundResult, deadline: number, handedOut: boolean }

/** The unknown results of one partition awaiting settlement. Pure: time comes from `clock`, I/O is the caller's. */
export function createSettlementBook (options: SettlementBookOptions): SettlementBook {
  const windowMs = options.windowMs ?? DEFAULT_SETTLEMENT_WINDOW_MS
  const entries = new Map<string, Entry>()

  return {
    add ({ requestId, unknown }) {
      if (unknown.status !== 'unknown') throw new TypeError(`only an unknown result awaits settlement; ${requestId} is ${unknown.status}`)
      if (!entries.has(requestId)) entries.set(requestId, { unknown, deadline: unknown.completed_at + windowMs, handedOut: false })
    },
    has: (requestId) => entries.has(requestId),
    settle (evidence) {
      const entry = entries.get(evidence.requestId)
      if (!entry || entry.handedOut) return undefined
      entry.handedOut = true
      return settlementRecord(entry.unknown, evidence, options.clock())
    },
    due () {
      const now = options.clock()
      const out: OutboundResult[] = []
      for (const entry of entries.values()) {
        if (entry.handedOut || entry.deadline > now) continue
        entry.handedOut = true
        out.push(settlementRecord(entry.unknown, null, now))
      }
      return out
    },
    remove (requestId) { entries.delete(requestId) },
    size: () => entries.size,
    nextDeadline () {
      let next: number | undefined
      for (const entry of entries.values()) if (!entry.handedOut && (next === undefined || entry.deadline < next)) next = entry.deadline
      return next
    }
  }
}
