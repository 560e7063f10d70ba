import type { Kafka, Producer, TopicMessages } from 'kafkajs'
import { Partitioners } from 'kafkajs'
import { connectFenced } from '@wabridge/kafka'

export interface OutRecord { topic: string, partition?: number, key: string | null, value: Buffer | null, headers?: Record<string, string | Buffer> }

/** Test hooks around a transaction's commit (a throw there stands for a crash or a lost answer). */
export interface TransactionFaults {
  /** After the records were sent, before the commit: a throw aborts the transaction. */
  beforeCommit?(partition: number): void
  /** After the commit succeeded: a throw stands for its answer lost on the way. */
  afterCommit?(partition: number): void
}

/**
 * One partition's transactional producer. Its transactional id belongs to the partition, so the
 * next owner's connect() fences this one: Kafka aborts its open transaction and refuses its commits.
 */
export class PartitionProducer {
  readonly #producer: Producer
  readonly #partition: number
  readonly #faults: TransactionFaults | undefined
  constructor (kafka: Kafka, options: { transactionalId: string, transactionTimeoutMs: number, partition: number, faults?: TransactionFaults | undefined }) {
    this.#partition = options.partition
    this.#faults = options.faults
    this.#producer = kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      // The same Java-compatible partitioner as every other producer: a released request lands in its number's partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 8, initialRetryTime: 20, maxRetryTime: 2000 }
    })
  }

  /** Connects and fences the previous owner: on return nothing it sends can commit any more. */
  async connect (): Promise<void> { await connectFenced(this.#producer) }
  async disconnect (): Promise<void> { await this.#producer.disconnect().catch(() => {}) }

  /** Writes records and, when given, the consumed offset of the scheduled partition, atomically. */
  async commit (records: OutRecord[], offsets?: { groupId: string, topic: string, partition: number, offset: string }): Promise<void> {
    const byTopic = new Map<string, TopicMessages>()
    for (const r of records) {
      let tm = byTopic.get(r.topic)
      if (!tm) byTopic.set(r.topic, tm = { topic: r.topic, messages: [] })
      tm.messages.push({ key: r.key, value: r.value, ...(r.headers && { headers: r.headers }), ...(r.partition !== undefined && { partition: r.partition }) })
    }
    const txn = await this.#producer.transaction()
    try {
      if (byTopic.size > 0) await txn.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 })
      if (offsets) {
        await txn.sendOffsets({ consumerGroupId: offsets.groupId, topics: [{ topic: offsets.topic, partitions: [{ partition: offsets.partition, offset: offsets.offset }] }] })
      }
      this.#faults?.beforeCommit?.(this.#partition)
      await txn.commit()
    } catch (err) {
      await txn.abort().catch(() => {})
      throw err
    }
    this.#faults?.afterCommit?.(this.#partition)
  }
}
