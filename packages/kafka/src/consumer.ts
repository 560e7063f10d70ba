import type { Consumer, ConsumerConfig, EachBatchHandler, EachMessageHandler, Kafka, TopicPartitionOffsetAndMetadata } from 'kafkajs'

export interface ConsumerOptions {
  groupId: string
  topics: string[]
  /** Where a group without committed offsets starts. Default false (only new records). */
  fromBeginning?: boolean
  /** Partitions processed concurrently (order is kept within a partition). Default 1. */
  partitionsConsumedConcurrently?: number
  sessionTimeoutMs?: number
  heartbeatIntervalMs?: number
  rebalanceTimeoutMs?: number
  maxBytesPerPartition?: number
  maxWaitTimeMs?: number
  /** Called when kafkajs gives up (a non-retriable error); the service should exit or restart. */
  onCrash?: (err: Error) => void
  /** Called on every group join with this member's assignment (topic → partitions). */
  onAssignment?: (assignment: Record<string, number[]>) => void
  /**
   * Called synchronously when this member learns that the group is rebalancing, before it
   * rejoins: the last moment to stop work on partitions it may lose.
   */
  onRebalancing?: () => void
}

export type ConsumerHandler = { eachBatch: EachBatchHandler } | { eachMessage: EachMessageHandler }

export interface WabridgeConsumer {
  /**
   * Joins the group and starts handing records to `handler`. Offsets are committed only by
   * commit(). An eachBatch handler must call `resolveOffset` for each record it has taken over:
   * that only moves the fetch position (without it kafkajs fetches the same records again).
   */
  start(handler: ConsumerHandler): Promise<void>
  /** Leaves the group. Idempotent, safe before start(). */
  stop(): Promise<void>
  /** Commits `offset` = the next offset to read, per partition, with optional metadata. */
  commit(offsets: Array<{ topic: string, partition: number, offset: string, metadata?: string }>): Promise<void>
  pause(topic: string, partitions: number[]): void
  resume(topic: string, partitions: number[]): void
  /** The underlying kafkajs consumer, for what this wrapper does not cover. */
  readonly kafkajs: Consumer
}

/**
 * A group consumer with manual commits only (autoCommit off, no auto-resolve in eachBatch), so
 * callers commit an offset only after its effects are durable (at-least-once).
 */
export function createConsumer (kafka: Kafka, options: ConsumerOptions): WabridgeConsumer {
  const config: ConsumerConfig = {
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...(options.sessionTimeoutMs !== undefined && { sessionTimeout: options.sessionTimeoutMs }),
    ...(options.heartbeatIntervalMs !== undefined && { heartbeatInterval: options.heartbeatIntervalMs }),
    ...(options.rebalanceTimeoutMs !== undefined && { rebalanceTimeout: options.rebalanceTimeoutMs }),
    ...(options.maxBytesPerPartition !== undefined && { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.maxWaitTimeMs !== undefined && { maxWaitTimeInMs: options.maxWaitTimeMs })
  }
  const consumer = kafka.consumer(config)
  let started = false
  let stopped = false
  if (options.onCrash) {
    const onCrash = options.onCrash
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) onCrash(event.payload.error)
    })
  }
  if (options.onRebalancing) {
    const onRebalancing = options.onRebalancing
    consumer.on(consumer.events.REBALANCING, () => onRebalancing())
  }
  if (options.onAssignment) {
    const onAssignment = options.onAssignment
    consumer.on(consumer.events.GROUP_JOIN, (event) => onAssignment(event.payload.memberAssignment))
  }

  return {
    kafkajs: consumer,
    async start (handler) {
      if (started) throw new Error('consumer already started')
      started = true
      await consumer.connect()
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false })
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        ...('eachBatch' in handler ? { eachBatch: handler.eachBatch, eachBatchAutoResolve: false } : { eachMessage: handler.eachMessage })
      })
    },
    async stop () {
      if (stopped || !started) { stopped = true; return }
      stopped = true
      await consumer.disconnect()
    },
    async commit (offsets) {
      const list: TopicPartitionOffsetAndMetadata[] = offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, ...(o.metadata !== undefined && { metadata: o.metadata }) }))
      if (list.length > 0) await consumer.commitOffsets(list)
    },
    pause (topic, partitions) { consumer.pause([{ topic, partitions }]) },
    resume (topic, partitions) { consumer.resume([{ topic, partitions }]) }
  }
}
