import { Partitioners } from 'kafkajs'
import type { OutgoingRecord } from '@wabridge/kafka'
import type { LedgerEvent } from './ledger.ts'
import { SessionConflictError, type PartitionSession } from './partition-session.ts'

/**
 * Requests to send later: producers write requests whose send_at is in the future here, egress
 * forwards those that reach the requests topic; the scheduler releases each to the requests topic
 * at its time (same request id, key and value).
 */
export const scheduledTopic = (prefix: string) => `${prefix}.outbound.scheduled`

/** A request's send_at up to this far ahead counts as now (clocks differ; the scheduler releases at send_at). */
export const SEND_NOW_TOLERANCE_MS = 1000

/**
 * The partition of a key in a topic of `partitions` partitions, as every kafkajs and Java producer
 * picks it (murmur2 of the key): a forwarded request lands where its producer would have written it.
 */
export function keyPartitioner (partitions: number): (key: Buffer | null) => number {
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))
  return (key) => partitioner({ topic: 'scheduled', partitionMetadata, message: { key, value: null } })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Forwards a request to the scheduled topic with its ledger event, in one transaction of the
 * partition's session: the source offset is then finished, the request id is not final. A failed
 * transaction is written again once the session has recovered (unless the recovered history shows
 * it was committed after all). False when the partition was lost first: its new owner forwards it
 * (a record fetched again after a crash may so be forwarded twice: the scheduler dedups by request id).
 */
export async function writeForward (session: PartitionSession, record: OutgoingRecord, event: Extract<LedgerEvent, { kind: 'forwarded' }>): Promise<boolean> {
  let delay = 100
  for (;;) {
    if (!await session.whenReady()) return false
    if (session.ledger.wasForwarded(event.requestId, BigInt(event.sourceOffset))) return true
    try {
      await session.write([record], [event])
      return true
    } catch (err) {
      if (err instanceof SessionConflictError) return true
      if ((err as { fenced?: boolean }).fenced) return false
      await sleep(delay)
      delay = Math.min(delay * 2, 2000)
    }
  }
}
