import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, fromKafkaHeaders, type WabridgeConsumer } from '@wabridge/kafka'
import type { Ledger } from './ledger.ts'
import { ATTEMPT_HEADERS } from './outputs.ts'

export interface LedgerReaderOptions {
  resultsTopic: string
  attemptsTopic: string
  /** Group of the egress instances; its commit metadata says when each partition last committed. */
  groupId: string
  requestsTopic: string
  lookbackMs: number
}

export interface LedgerReader {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Reads back everything written to `partition` of the results and attempts topics since
   * (last commit of that requests partition − lookback), or since the beginning when it never
   * committed, and resolves once caught up with what existed when it was called.
   */
  load(partition: number): Promise<void>
  /** Stops applying records of a revoked partition. */
  unload(partition: number): void
}

/**
 * Tails the results and attempts topics so the ledger knows what every instance decided, also
 * what a previous owner of a partition writes after losing it. It uses its own throw-away
 * consumer group (one member, every partition), seeking each owned partition back on load and
 * reading only headers: request id and attempt state travel in headers, values are not decoded.
 */
export function createLedgerReader (kafka: Kafka, admin: Admin, ledger: Ledger, options: LedgerReaderOptions): LedgerReader {
  const owned = new Set<number>()
  const caughtUp = new Map<string, { target: bigint, resolve: () => void }>()
  const consumer: WabridgeConsumer = createConsumer(kafka, {
    groupId: `${options.groupId}-ledger-${randomUUID()}`,
    topics: [options.resultsTopic, options.attemptsTopic],
    fromBeginning: false,
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100
  })
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`

  function applyMessage (topic: string, partition: number, headers: Parameters<typeof fromKafkaHeaders>[0]): void {
    if (!owned.has(partition)) return
    const h = fromKafkaHeaders(headers)
    if (!h.eventId) return
    if (topic === options.resultsTopic) {
      ledger.apply(partition, { kind: 'result', requestId: h.eventId })
    } else {
      const state = h.extra?.[ATTEMPT_HEADERS.state]
      const attempt = Number(h.extra?.[ATTEMPT_HEADERS.attempt])
      if ((state === 'started' || state === 'not-sent') && Number.isInteger(attempt)) {
        ledger.apply(partition, { kind: 'attempt', requestId: h.eventId, attempt, state, instance: h.extra?.[ATTEMPT_HEADERS.instance] ?? 'unknown' })
      }
    }
  }

  function progress (topic: string, partition: number, offset: string): void {
    const waiting = caughtUp.get(key(topic, partition))
    if (waiting && BigInt(offset) + 1n >= waiting.target) {
      caughtUp.delete(key(topic, partition))
      waiting.resolve()
    }
  }

  async function startOffset (topic: string, partition: number): Promise<{ from: string, high: string }> {
    const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.requestsTopic] })
    const entry = committed?.partitions.find((p) => p.partition === partition)
    let since: number | undefined
    if (entry && entry.offset !== '-1') {
      const t = Number((JSON.parse(entry.metadata || '{}') as { t?: number }).t)
      since = Number.isFinite(t) ? t - options.lookbackMs : undefined
    }
    const highs = await admin.fetchTopicOffsets(topic)
    const high = highs.find((p) => p.partition === partition)
    if (!high) throw new Error(`${topic} has no partition ${partition}: it must have as many partitions as ${options.requestsTopic}`)
    if (since === undefined) return { from: high.low, high: high.high }
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, since)
    return { from: byTime.find((p) => p.partition === partition)?.offset ?? high.low, high: high.high }
  }

  return {
    async start () {
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            applyMessage(batch.topic, batch.partition, message.headers)
            resolveOffset(message.offset)
            progress(batch.topic, batch.partition, message.offset)
          }
          await heartbeat()
        }
      })
    },
    async stop () {
      for (const waiting of caughtUp.values()) waiting.resolve()
      caughtUp.clear()
      await consumer.stop()
    },
    async load (partition) {
      owned.add(partition)
      await Promise.all([options.resultsTopic, options.attemptsTopic].map(async (topic) => {
        const { from, high } = await startOffset(topic, partition)
        if (BigInt(from) >= BigInt(high)) return
        const done = new Promise<void>((resolve) => caughtUp.set(key(topic, partition), { target: BigInt(high), resolve }))
        consumer.kafkajs.seek({ topic, partition, offset: from })
        await done
      }))
    },
    unload (partition) {
      owned.delete(partition)
      ledger.drop(partition)
    }
  }
}
