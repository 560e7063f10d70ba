import { randomUUID } from 'node:crypto'
import type { Admin, Kafka, KafkaMessage } from 'kafkajs'
import { Mutex } from 'async-mutex'
import { createConsumer, type WabridgeConsumer } from '@wabridge/kafka'

export interface PendingReader {
  start(): Promise<void>
  stop(): Promise<void>
  /** Partitions of the pending topic. */
  readonly partitions: number[]
  /** The high watermark of a partition now. */
  end(partition: number): Promise<bigint>
  /**
   * Reads records [from, until) of one partition (read_committed), handing each to onRecord.
   * Reads of one partition run one at a time. Rejects when stopped first.
   */
  read(partition: number, from: bigint, until: bigint, onRecord: (m: KafkaMessage) => void): Promise<void>
}

interface Reading { until: bigint, position: bigint, onRecord: (m: KafkaMessage) => void, done: () => void }

/**
 * Reads partitions of the pending topic on demand: one consumer in a throw-away group of its own
 * (it never commits) holds every partition, all paused except those being read. Progress is the
 * end of each fetched batch, transaction markers included, so a read up to a high watermark ends
 * even when its last offset is a commit marker.
 */
export function createPendingReader (kafka: Kafka, admin: Admin, options: { topic: string, groupIdPrefix: string, onCrash: (err: Error) => void }): PendingReader {
  const { topic } = options
  const readings = new Map<number, Reading>()
  const locks = new Map<number, Mutex>()
  let partitions: number[] = []
  let joins = 0
  let isStopped = false
  const consumer: WabridgeConsumer = createConsumer(kafka, {
    groupId: `${options.groupIdPrefix}.pending-reader.${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 4,
    maxWaitTimeMs: 100,
    maxBytesPerPartition: 2 * 1024 * 1024,
    // A restarted consumer (broker failover) forgets pauses and seeks: put them back.
    onAssignment: () => { if (joins++ > 0) restore() },
    onCrash: options.onCrash
  })

  function restore (): void {
    for (const p of partitions) {
      const r = readings.get(p)
      if (r) consumer.kafkajs.seek({ topic, partition: p, offset: String(r.position) })
      else consumer.pause(topic, [p])
    }
  }

  function advance (partition: number, position: bigint): void {
    const r = readings.get(partition)
    if (!r || position <= r.position) return
    r.position = position
    if (position >= r.until) r.done()
  }

  consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (e) => {
    if (e.payload.topic === topic) advance(e.payload.partition, BigInt(e.payload.lastOffset) + 1n)
  })

  return {
    get partitions () { return partitions },
    async start () {
      partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition).sort((a, b) => a - b)
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const r = readings.get(batch.partition)
          for (const m of batch.messages) {
            const offset = BigInt(m.offset)
            if (r && readings.get(batch.partition) === r && offset >= r.position && offset < r.until) r.onRecord(m)
            resolveOffset(m.offset)
            advance(batch.partition, offset + 1n)
          }
          await heartbeat()
        }
      })
      for (const p of partitions) if (!readings.has(p)) consumer.pause(topic, [p])
    },
    async stop () {
      isStopped = true
      for (const r of readings.values()) r.done()
      readings.clear()
      await consumer.stop()
    },
    async end (partition) {
      const high = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)
      if (!high) throw new Error(`${topic} has no partition ${partition}`)
      return BigInt(high.high)
    },
    async read (partition, from, until, onRecord) {
      if (from >= until) return
      let lock = locks.get(partition)
      if (!lock) locks.set(partition, lock = new Mutex())
      await lock.runExclusive(async () => {
        if (isStopped) throw new Error('the pending reader is stopped')
        await new Promise<void>((resolve) => {
          readings.set(partition, { until, position: from, onRecord, done: resolve })
          consumer.pause(topic, [partition])
          consumer.kafkajs.seek({ topic, partition, offset: String(from) })
          consumer.resume(topic, [partition])
        })
        if (readings.get(partition)?.until === until) readings.delete(partition)
        consumer.pause(topic, [partition])
        if (isStopped) throw new Error('the pending reader stopped during a read')
      })
    }
  }
}
