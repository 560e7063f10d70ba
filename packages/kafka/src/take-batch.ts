import { RECORD_BATCH_OVERHEAD_BYTES } from './record-size.ts'

/** A record waiting in a producer's queue, already sized and assigned a partition. */
export interface SizedItem {
  topic: string
  partition: number
  /** estimateRecordBytes of the record. */
  bytes: number
  /** max.message.bytes of its topic when it was queued. */
  maxMessageBytes: number
}

export interface TakeBatchLimits {
  /** Most records in one produce request. */
  maxRecords: number
  /** Most estimated bytes in one produce request (the first record always goes). */
  maxRequestBytes: number
}

/**
 * Splits a queue (in send order) into what goes into the next produce request and what waits.
 * kafkajs writes all records of one partition in one request as one record batch, and the broker
 * refuses a whole batch over the topic's max.message.bytes: a partition takes records while its
 * batch stays within that cap. Once a record of a partition waits, every later record of that
 * partition waits too, so order within a partition is kept. Every record fits a batch of its own
 * (the producer refuses larger ones before queueing), so each request takes at least one.
 */
export function takeBatch<T extends SizedItem> (queue: readonly T[], limits: TakeBatchLimits): { taken: T[], rest: T[] } {
  const taken: T[] = []
  const rest: T[] = []
  const batchBytes = new Map<string, number>()
  const held = new Set<string>()
  let requestBytes = 0
  let isFull = false
  for (const item of queue) {
    const key = `${item.topic}\u0000${item.partition}`
    if (isFull || held.has(key)) { rest.push(item); continue }
    const used = batchBytes.get(key)
    const after = (used ?? RECORD_BATCH_OVERHEAD_BYTES) + item.bytes
    if (used !== undefined && after > item.maxMessageBytes) { held.add(key); rest.push(item); continue }
    if (taken.length > 0 && (taken.length >= limits.maxRecords || requestBytes + item.bytes > limits.maxRequestBytes)) {
      isFull = true
      rest.push(item)
      continue
    }
    batchBytes.set(key, after)
    requestBytes += item.bytes
    taken.push(item)
  }
  return { taken, rest }
}
