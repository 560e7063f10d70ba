import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import { suppressionActive, suppressionKey, type Codec, type ResultError, type Suppression } from '@wabridge/schemas'

/** The compacted suppression list (key '{scope}:{wa_id}', value Suppression, tombstone = lifted). */
export const suppressionsTopic = (prefix: string) => `${prefix}.suppressions`

export interface SuppressionReaderOptions {
  topic: string
  /** Group of the egress instances (the reader's own throw-away group is derived from it: every instance reads it all). */
  groupId: string
  codec: Codec
  onCrash: (err: Error) => void
  logger: { warn(obj: object, msg: string): void }
}

export interface SuppressionReader {
  /** Starts reading the topic from the beginning, then follows it. */
  start(): Promise<void>
  stop(): Promise<void>
  /** Resolves once everything written before start() was read (false at the deadline). */
  caughtUp(deadline: number): Promise<boolean>
  readonly isCaughtUp: boolean
  /** The suppression of `waId` in `scope` holding at `now`, if any. */
  lookup(scope: string, waId: string, now: number): Suppression | undefined
  readonly size: number
}

/** Meta's codes for the two suppressions Meta itself reports: 131050 (user stopped marketing), 131049 (per-user marketing limit). */
const META_CODES: Partial<Record<Suppression['reason'], number>> = { opted_out: 131050, marketing_limit: 131049 }

/** The error of a bulk request not sent because its recipient is suppressed. */
export function suppressedError (s: Suppression): ResultError {
  return {
    code: META_CODES[s.reason] ?? null,
    subcode: null,
    message: `not sent: recipient ${s.wa_id} is suppressed for bulk messages in ${s.scope} (reason ${s.reason}, source: ${s.source})` +
      (s.expires_at === null ? '' : ` until ${new Date(s.expires_at).toISOString()}`),
    details: null,
    class: 'suppressed',
    fbtrace_id: null
  }
}

/**
 * Egress's copy of the suppression list: the whole compacted topic in a Map, read from the
 * beginning at start and followed after. Egress only reads it (@wabridge/outreach writes it).
 */
export function createSuppressionReader (kafka: Kafka, admin: Admin, options: SuppressionReaderOptions): SuppressionReader {
  const { topic, codec } = options
  const entries = new Map<string, Suppression>()
  /** Per partition, the offset to reach for the first catch-up (the high watermark at start). */
  const targets = new Map<number, bigint>()
  const waiters = new Set<() => void>()
  let isCaughtUp = false
  let stopped = false
  const consumer = createConsumer(kafka, {
    groupId: `${options.groupId}-suppressions-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 1,
    maxWaitTimeMs: 200,
    onCrash: options.onCrash
  })

  function reached (partition: number, position: bigint): void {
    const target = targets.get(partition)
    if (target === undefined || position < target) return
    targets.delete(partition)
    if (targets.size === 0 && !isCaughtUp) {
      isCaughtUp = true
      for (const wake of [...waiters]) wake()
    }
  }

  // A batch's last offset counts control records too (a transactional writer's commit markers).
  consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (event) => {
    if (event.payload.topic === topic) reached(event.payload.partition, BigInt(event.payload.lastOffset) + 1n)
  })

  return {
    async start () {
      for (const p of await admin.fetchTopicOffsets(topic)) if (BigInt(p.high) > BigInt(p.low)) targets.set(p.partition, BigInt(p.high))
      if (targets.size === 0) isCaughtUp = true
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            const key = message.key?.toString('utf8')
            if (key !== undefined) {
              if (!message.value || message.value.length === 0) {
                entries.delete(key)
              } else {
                try {
                  const s = (await codec.deserialize(message.value, 'Suppression')).value
                  entries.set(key, s)
                } catch (err) {
                  options.logger.warn({ err, topic, partition: batch.partition, offset: message.offset }, 'a suppression record could not be decoded; skipped')
                }
              }
            }
            resolveOffset(message.offset)
            reached(batch.partition, BigInt(message.offset) + 1n)
          }
          await heartbeat()
        }
      })
    },
    async stop () {
      stopped = true
      for (const wake of [...waiters]) wake()
      await consumer.stop()
    },
    async caughtUp (deadline) {
      for (;;) {
        if (isCaughtUp) return true
        if (stopped) return false
        const left = deadline - Date.now()
        if (left <= 0) return false
        await new Promise<void>((resolve) => {
          const timer = setTimeout(wake, Math.min(left, 1000))
          function wake () { clearTimeout(timer); waiters.delete(wake); resolve() }
          waiters.add(wake)
        })
      }
    },
    get isCaughtUp () { return isCaughtUp },
    lookup (scope, waId, now) {
      const s = entries.get(suppressionKey(scope, waId))
      return s !== undefined && suppressionActive(s, now) ? s : undefined
    },
    get size () { return entries.size }
  }
}
