import { randomUUID } from 'node:crypto'
import type { Admin, Kafka, KafkaMessage } from 'kafkajs'
import { createConsumer, type WabridgeConsumer } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import type { PlacedEvent } from './ledger.ts'
import { readLedgerRecord } from './ledger-records.ts'

export interface LedgerLoaderOptions {
  attemptsTopic: string
  /** Group of the egress instances (the loader's own throw-away group is derived from it). */
  groupId: string
  codec: Codec
  logger?: { warn(obj: object, msg: string): void }
  /** The loader's consumer crashed: egress cannot take partitions over any more. */
  onCrash: (err: Error) => void
}

export interface ReadUntil {
  /** Resolves true once `done` said so, false at the deadline (the read position stays where it got to). */
  (done: (position: bigint) => boolean, deadline: number): Promise<boolean>
}

export interface LedgerLoader {
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * Reads `partition` of the attempts topic (read_committed: aborted transactions are never seen)
   * from `from`, handing every ledger event to `onEvent`. The returned function reads on until a
   * condition on the read position (the offset after the last record or control record read)
   * holds; the partition is paused in between.
   */
  open(partition: number, from: bigint, onEvent: (event: PlacedEvent) => void): ReadUntil
  /** The high watermark of a partition now. */
  end(partition: number): Promise<bigint>
  /** Stops reading a partition. */
  close(partition: number): void
}

interface Reading {
  onEvent: (event: PlacedEvent) => void
  position: bigint
  waiters: Set<() => void>
}

/**
 * Reads the attempts topic back for the partitions this instance takes over. One consumer with its
 * own throw-away group holds every partition, all paused except those being read. Progress is
 * tracked per fetched batch, control records included (kafkajs reports a batch's last offset in its
 * END_BATCH_PROCESS event, also for batches of transaction markers only), so "caught up" is exact on
 * a topic written in transactions, where the last offset before the high watermark is usually a
 * commit marker, not a record.
 */
export function createLedgerLoader (kafka: Kafka, admin: Admin, options: LedgerLoaderOptions): LedgerLoader {
  const topic = options.attemptsTopic
  const readings = new Map<number, Reading>()
  let partitions: number[] = []
  const consumer: WabridgeConsumer = createConsumer(kafka, {
    groupId: `${options.groupId}-ledger-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100,
    // kafkajs restarts a crashed consumer (a broker failover) as a new member that has forgotten its
    // pauses and seeks: partitions being read go back to where they had got to, the others pause.
    onAssignment: () => { if (joins++ > 0) restore() },
    onCrash: options.onCrash
  })
  let joins = 0
  let stopped = false
  function restore (): void {
    try {
      for (const partition of partitions) {
        const reading = readings.get(partition)
        if (reading) consumer.kafkajs.seek({ topic, partition, offset: String(reading.position) })
        else consumer.pause(topic, [partition])
      }
    } catch (err) {
      options.logger?.warn({ err }, 'could not restore the ledger reads after a consumer restart')
    }
  }

  /**
   * Pauses a partition. kafkajs refuses while its consumer (re)joins its group ("Consumer group was not
   * initialized"); the partition is paused anyway once the consumer has joined (restore), so closing a
   * read never fails for it.
   */
  function pause (partition: number): void {
    if (stopped) return
    try {
      consumer.pause(topic, [partition])
    } catch (err) {
      options.logger?.warn({ err, partition }, 'could not pause a ledger partition now; it is paused once the consumer has joined')
    }
  }

  function advance (partition: number, position: bigint): void {
    const reading = readings.get(partition)
    if (!reading || position <= reading.position) return
    reading.position = position
    for (const wake of [...reading.waiters]) wake()
  }

  consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (event) => {
    const { topic: t, partition, lastOffset } = event.payload
    if (t === topic) advance(partition, BigInt(lastOffset) + 1n)
  })

  async function apply (partition: number, message: KafkaMessage): Promise<void> {
    const reading = readings.get(partition)
    if (!reading) return
    const event = await readLedgerRecord(options.codec, message.headers, message.value)
    if (event) reading.onEvent({ ...event, offset: BigInt(message.offset), at: Number(message.timestamp) })
  }

  return {
    async start () {
      partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition)
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            await apply(batch.partition, message)
            resolveOffset(message.offset)
            advance(batch.partition, BigInt(message.offset) + 1n)
          }
          await heartbeat()
        }
      })
      for (const partition of partitions) if (!readings.has(partition)) consumer.pause(topic, [partition])
    },
    async stop () {
      stopped = true
      for (const reading of readings.values()) for (const wake of reading.waiters) wake()
      readings.clear()
      await consumer.stop()
    },
    open (partition, from, onEvent) {
      const reading: Reading = { onEvent, position: from, waiters: new Set() }
      readings.set(partition, reading)
      consumer.pause(topic, [partition])
      consumer.kafkajs.seek({ topic, partition, offset: String(from) })
      return async (done, deadline) => {
        if (readings.get(partition) !== reading) return false
        if (done(reading.position)) return true
        consumer.resume(topic, [partition])
        try {
          while (!done(reading.position)) {
            const left = deadline - Date.now()
            if (left <= 0 || readings.get(partition) !== reading) return false
            await new Promise<void>((resolve) => {
              const timer = setTimeout(wake, Math.min(left, 1000))
              function wake () { clearTimeout(timer); reading.waiters.delete(wake); resolve() }
              reading.waiters.add(wake)
            })
          }
          return true
        } finally {
          if (readings.get(partition) === reading) pause(partition)
        }
      }
    },
    async end (partition) {
      const offsets = await admin.fetchTopicOffsets(topic)
      const high = offsets.find((p) => p.partition === partition)
      if (!high) throw new Error(`${topic} has no partition ${partition}: it must have as many partitions as the requests topic`)
      return BigInt(high.high)
    },
    close (partition) {
      const reading = readings.get(partition)
      readings.delete(partition)
      if (reading) for (const wake of reading.waiters) wake()
      pause(partition)
    }
  }
}
