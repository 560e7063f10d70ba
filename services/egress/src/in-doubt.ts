import type { OutboundResult } from '@wabridge/schemas'
import type { PartitionSession } from './partition-session.ts'
import { inDoubtReason, resultFromEvidence, unknownReason } from './settlement/settlement-book.ts'
import type { StatusEvidence } from './settlement/status-evidence.ts'
import type { StatusIndex } from './settlement/status-index.ts'

export interface InDoubtInput {
  session: PartitionSession
  requestId: string
  /** When the send that may have left started (or its marker was written), epoch ms. */
  since: number
  /** 1-based number of the attempt whose outcome is unknown. */
  attempt: number
  /** Short phrase: what happened ("timeout after sending", "crash between the started marker and the result"). */
  cause: string
  /** The result egress would publish; its status is decided here. */
  base: OutboundResult
}

export interface InDoubt {
  /** The final result of a request whose send may have left: from a status webhook, or unknown. */
  decide(input: InDoubtInput): Promise<OutboundResult>
}

export interface InDoubtOptions {
  statuses: StatusIndex
  /** How long after the send a status webhook is waited for before the result is published as unknown, ms. */
  waitMs: number
  /** How long an unknown result waits for its settlement, ms (named in the reason). */
  settlementWindowMs: number
  clock: () => number
}

/**
 * Decides requests in doubt — a send that may have reached Meta without an answer reaching egress
 * (timeout, 502/504 or a dropped connection after sending; a crash or fencing between the started
 * marker and the result). Such a request is never sent again. Meta echoes the request id in the
 * status webhooks of the message (biz_opaque_callback_data), so a sent/delivered/read status
 * proves it was accepted and a failed one that it failed; when none arrives within waitMs of the
 * send, the request's result is unknown, and the settlement runner settles it later.
 */
export function createInDoubt (options: InDoubtOptions): InDoubt {
  return {
    async decide ({ session, requestId, since, attempt, cause, base }) {
      const evidence = options.statuses.lookup(requestId) ?? await new Promise<StatusEvidence | undefined>((resolve) => {
        const wait = Math.max(0, since + options.waitMs - options.clock())
        let unwatch = () => {}
        const timer = setTimeout(() => { unwatch(); resolve(undefined) }, wait)
        unwatch = options.statuses.watch(requestId, (e) => { clearTimeout(timer); unwatch(); resolve(e) })
        // A lost partition is its new owner's to decide.
        void session.whenReady().then(() => session.whenLost()).then(() => { clearTimeout(timer); unwatch(); resolve(undefined) })
      })
      const reasoned = { ...base, reason: inDoubtReason(attempt, cause) }
      if (evidence) return resultFromEvidence(reasoned, evidence)
      return { ...base, status: 'unknown', completed_at: options.clock(), reason: unknownReason(attempt, cause, options.settlementWindowMs) }
    }
  }
}
