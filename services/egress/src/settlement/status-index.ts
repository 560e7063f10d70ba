import { randomUUID } from 'node:crypto'
import type { Kafka, KafkaMessage } from 'kafkajs'
import { createConsumer, fromKafkaHeaders } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { createEvidenceStore, type EvidenceStoreStats } from './evidence-store.ts'
import { evidenceFromStatus, isDecidingStatus, readStatusHeaders, recipientFromKey, type StatusErrorClassifier, type StatusEvidence } from './status-evidence.ts'

/**
 * Default cap on entries. One entry costs about 300 bytes of heap (a UUID request id, a wamid, a
 * recipient id, the evidence object and its Map slot; measured on Node 24, see the README), so the
 * default holds at most about 300 MB: a 24 h window of 11.6 messages a second across all numbers.
 */
export const DEFAULT_MAX_STATUS_ENTRIES = 1_000_000

export interface StatusIndexOptions {
  /** The statuses topic (`<prefix>.inbound.statuses`). */
  topic: string
  /** Group of the egress instances; the index reads with its own throw-away group derived from it. */
  groupId: string
  /** How far back reading starts and how long evidence is kept after it was seen, ms. */
  windowMs: number
  clock: () => number
  codec: Codec
  /** Class of Meta's error code on a failed status. Default: permanent for every code. */
  classifyError?: StatusErrorClassifier
  /** Most entries kept, the oldest dropped first. Default DEFAULT_MAX_STATUS_ENTRIES. */
  maxEntries?: number
  /** Called when the consumer gives up (a non-retriable error): the process should exit. */
  onCrash?: (err: Error) => void
  logger?: { warn(obj: object, msg: string): void }
}

export interface StatusIndexStats extends EvidenceStoreStats {
  /** Status records whose value could not be decoded (skipped). */
  undecodable: number
  /** Whether every partition has been read up to where it ended at start. */
  caughtUp: boolean
}

export interface StatusIndex {
  /** Starts reading; resolves once caught up with what the topic held at start (from now − windowMs). */
  start(): Promise<void>
  stop(): Promise<void>
  /** The deciding evidence seen for a request id within the window, if any. */
  lookup(requestId: string): StatusEvidence | undefined
  /**
   * Calls back once when deciding evidence for requestId arrives (synchronously, before returning,
   * if already known); returns an unsubscribe. The evidence of a watched id is kept until then.
   */
  watch(requestId: string, onEvidence: (e: StatusEvidence) => void): () => void
  stats(): StatusIndexStats
}

/**
 * Reads every partition of the statuses topic so each egress process sees every status, and keeps
 * the first deciding status (sent, delivered, read, failed) per request id. Headers written by
 * ingress say what a record is without decoding it; the Avro value is decoded only for records
 * without them and for failed statuses (Meta's error is inside the original JSON).
 */
export function createStatusIndex (kafka: Kafka, options: StatusIndexOptions): StatusIndex {
  const store = createEvidenceStore({ windowMs: options.windowMs, maxEntries: options.maxEntries ?? DEFAULT_MAX_STATUS_ENTRIES, clock: options.clock })
  const groupId = `${options.groupId}-statuses-${randomUUID()}`
  // Offsets each partition must be read up to (exclusive) before start() resolves.
  const targets = new Map<number, bigint>()
  let undecodable = 0
  let caughtUp = false
  let settle: { resolve: () => void, reject: (err: Error) => void } | undefined
  /**
   * Next offset to read per partition: where each join (the first, and every one after kafkajs
   * restarted the consumer) sends the partition. Filled with the start offsets before the consumer runs.
   */
  const positions = new Map<number, bigint>()
  const advance = (partition: number, next: bigint) => { if (next > (positions.get(partition) ?? -1n)) positions.set(partition, next) }
  const consumer = createConsumer(kafka, {
    groupId,
    topics: [options.topic],
    // A reset (the start offset deleted by retention before the seek) must go back, not skip ahead.
    fromBeginning: true,
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 200,
    // Each join (the first, and every one after kafkajs restarted a crashed consumer) sends every
    // partition to where this index had got to: the start offsets, or as far as it has read.
    positionsOnJoin: () => [...positions].map(([partition, offset]) => ({ topic: options.topic, partition, offset })),
    ...(options.logger && { logger: options.logger }),
    onCrash: (err) => {
      settle?.reject(err)
      options.onCrash?.(err)
    }
  })

  function finishIfCaughtUp (): void {
    if (targets.size > 0 || caughtUp) return
    caughtUp = true
    settle?.resolve()
  }

  // kafkajs reports every processed fetch, also one that held only control records (transaction
  // markers) or aborted records, with the last offset it covered: the last data record's offset
  // would never reach the end of a partition whose last record is a commit marker.
  consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === options.topic) advance(payload.partition, BigInt(payload.lastOffset) + 1n)
    const target = targets.get(payload.partition)
    if (target !== undefined && payload.topic === options.topic && BigInt(payload.lastOffset) + 1n >= target) {
      targets.delete(payload.partition)
      finishIfCaughtUp()
    }
  })

  async function toEvidence (message: KafkaMessage): Promise<StatusEvidence | undefined> {
    const seenAt = options.clock()
    const view = readStatusHeaders(fromKafkaHeaders(message.headers).extra)
    if (view) {
      if (!view.requestId || !isDecidingStatus(view.status) || store.get(view.requestId)) return undefined
      if (view.status !== 'failed' && view.at !== undefined) {
        return { requestId: view.requestId, status: view.status, wamid: view.wamid ?? null, recipientId: recipientFromKey(message.key), error: null, at: view.at, seenAt }
      }
    }
    if (!message.value) return undefined
    try {
      const { value } = await options.codec.deserialize(message.value, 'InboundStatus')
      return evidenceFromStatus(value, seenAt, options.classifyError)
    } catch (err) {
      undecodable++
      options.logger?.warn({ err, topic: options.topic, offset: message.offset }, 'status record not decodable; skipped')
      return undefined
    }
  }

  async function startOffsets (): Promise<Array<{ partition: number, from: string }>> {
    const admin = kafka.admin()
    await admin.connect()
    try {
      // Both answer for read_committed: 'high' is the last stable offset, what a reader can reach.
      const highs = await admin.fetchTopicOffsets(options.topic)
      const byTime = await admin.fetchTopicOffsetsByTimestamp(options.topic, Math.max(0, options.clock() - options.windowMs))
      return highs.map(({ partition, high, low }) => {
        const from = byTime.find((p) => p.partition === partition)?.offset ?? low
        if (BigInt(from) < BigInt(high)) targets.set(partition, BigInt(high))
        return { partition, from }
      })
    } finally {
      await admin.disconnect()
    }
  }

  return {
    async start () {
      for (const { partition, from } of await startOffsets()) advance(partition, BigInt(from))
      const done = new Promise<void>((resolve, reject) => { settle = { resolve, reject } })
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            const e = await toEvidence(message)
            if (e) store.add(e)
            resolveOffset(message.offset)
            advance(batch.partition, BigInt(message.offset) + 1n)
          }
          await heartbeat()
        }
      })
      finishIfCaughtUp()
      await done
    },
    async stop () {
      // A start() still catching up resolves: there is nothing more to wait for.
      settle?.resolve()
      await consumer.stop()
    },
    lookup: (requestId) => store.get(requestId),
    // A watcher runs inside the consumer's batch handler: its error must not stall the statuses.
    watch: (requestId, onEvidence) => store.watch(requestId, (e) => {
      try {
        onEvidence(e)
      } catch (err) {
        options.logger?.warn({ err, requestId }, 'status watcher failed')
      }
    }),
    stats: () => ({ ...store.stats(), undecodable, caughtUp })
  }
}
