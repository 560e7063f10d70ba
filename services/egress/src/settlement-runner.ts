import type { OutboundResult } from '@wabridge/schemas'
import type { Outputs } from './outputs.ts'
import { SessionConflictError, type PartitionSession } from './partition-session.ts'
import { settlementRecord } from './settlement/settlement-book.ts'
import type { StatusEvidence } from './settlement/status-evidence.ts'
import type { StatusIndex } from './settlement/status-index.ts'

export interface SettlementRunnerOptions {
  statuses: StatusIndex
  outputs: Outputs
  instance: string
  /** An unknown result not settled this long after it was published gets a "no status in time" record, ms. */
  windowMs: number
  clock: () => number
  /** How often deadlines are checked, ms. */
  checkEveryMs?: number
  onSettled?: (evidence: 'status_webhook' | 'no_status_in_time') => void
  logger: { warn(obj: object, msg: string): void }
}

/**
 * Settles the unknown results of one partition while this instance owns it: every unknown the
 * partition's history holds (its own, and those of earlier owners that were not settled yet) is
 * watched in the status index; a deciding status webhook makes a settlement record (accepted or
 * failed, superseding the unknown), and an unknown older than the window makes a "no status in
 * time" record. Written through the session with a `settled` ledger event, so a later owner never
 * settles it twice.
 */
/** Marks an unknown whose "no status in time" record is being written. */
const EXPIRING = () => {}

export function startSettlement (session: PartitionSession, options: SettlementRunnerOptions): () => void {
  const watching = new Map<string, () => void>()
  const writing = new Set<string>()
  let stopped = false

  async function write (unknown: OutboundResult, evidence: StatusEvidence | null): Promise<void> {
    // One settlement record per request: evidence arriving while the "no status" record is written waits its turn.
    if (writing.has(unknown.request_id)) return
    writing.add(unknown.request_id)
    const record = settlementRecord(unknown, evidence, options.clock())
    try {
      if (!await session.whenReady() || !session.ledger.unsettled().has(unknown.request_id)) return
      await session.write([await options.outputs.result(session.partition, record)],
        [{ kind: 'settled', requestId: unknown.request_id, sourceOffset: unknown.source_offset, instance: options.instance }])
      options.onSettled?.(record.settlement!.evidence)
    } catch (err) {
      // Tried again on the next scan (while still unsettled and owned).
      // A conflict: another owner settled it meanwhile (nothing to do).
      if (!(err as { fenced?: boolean }).fenced && !(err instanceof SessionConflictError)) options.logger.warn({ err, requestId: unknown.request_id }, 'settlement record not written; trying again')
    } finally {
      writing.delete(unknown.request_id)
      watching.delete(unknown.request_id)
    }
  }

  function scan (): void {
    if (stopped || !session.isReady) return
    const now = options.clock()
    for (const [requestId, { result }] of session.ledger.unsettled()) {
      const watched = watching.get(requestId)
      if (now - result.completed_at >= options.windowMs) {
        if (watched === EXPIRING) continue
        watched?.()
        watching.set(requestId, EXPIRING)
        void write(result, null)
        continue
      }
      if (watched) continue
      const unwatch = options.statuses.watch(requestId, (evidence) => { void write(result, evidence) })
      if (watching.has(requestId)) continue
      watching.set(requestId, unwatch)
    }
  }

  const timer = setInterval(scan, options.checkEveryMs ?? 1000)
  timer.unref()
  void session.whenReady().then(scan)
  return () => {
    stopped = true
    clearInterval(timer)
    for (const unwatch of watching.values()) unwatch()
    watching.clear()
  }
}
