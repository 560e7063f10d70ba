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
  /**
   * Called exactly once when the consumer is dead for good: a non-retriable error, the restart
   * budget spent, or a restart that neither rejoined the group nor crashed again within
   * `restartTimeoutMs`. The service should stop and exit non-zero. Without it, the error is
   * thrown as an uncaught exception (like an 'error' event nobody listens to), so the process edge
   * decides (@wabridge/process exits 1).
   */
  onCrash?: (err: Error) => void
  /**
   * Restarts allowed within `restartWindowMs` after retriable crashes (a broker gone, the group
   * coordinator unreachable): kafkajs restarts the consumer by itself, for ever unless bounded. The
   * crash after the last allowed restart is fatal. Default 5; 0 makes the first crash fatal.
   */
  maxRestarts?: number
  /** Sliding window over which restarts are counted, ms. Default 600000 (10 min). */
  restartWindowMs?: number
  /**
   * How long a restart may take to rejoin the group (or to crash again, which counts against the
   * budget) before it counts as failed, ms: a restart that fails outside kafkajs' crash handling
   * (its own disconnect throwing) leaves the consumer dead without another crash event. Covers
   * kafkajs' restart delay, its connection retries and a rebalance. Default 300000 (5 min).
   */
  restartTimeoutMs?: number
  /** Clock of the restart window, epoch ms. Default Date.now. */
  clock?: () => number
  /**
   * Where partitions must be read from, sought on every group join before `onAssignment`: the first
   * join, and each one after kafkajs restarted a crashed consumer as a new member (which has
   * forgotten the seeks made before). Seeking at the join, not after start(), also covers a start()
   * whose first join crashed: it resolves before any group exists, when a seek would throw. Called
   * at each join, so a reader returns where it has got to by then. A seek that fails is logged
   * (`logger`) and the partition reads from its committed offset, or as `fromBeginning` says.
   */
  positionsOnJoin?: () => Iterable<JoinPosition>
  /** Where a failed join seek is reported. Default: not reported. */
  logger?: { warn(obj: object, msg: string): void }
  /** Called on every group join with this member's assignment (topic → partitions). */
  onAssignment?: (assignment: Record<string, number[]>) => void
  /**
   * Called synchronously when this member learns that the group is rebalancing, before it
   * rejoins: the last moment to stop work on partitions it may lose.
   */
  onRebalancing?: () => void
}

/** A partition's next offset to read, for `positionsOnJoin`. */
export interface JoinPosition {
  topic: string
  partition: number
  offset: bigint
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

/** Restarts allowed in a sliding window: take() spends one if any is left. */
export interface RestartBudget {
  /** True (and one restart spent) when fewer than `maxRestarts` were taken within the window before now. */
  take(): boolean
}

export function createRestartBudget (options: { maxRestarts: number, windowMs: number, clock: () => number }): RestartBudget {
  const taken: number[] = []
  return {
    take () {
      const now = options.clock()
      while (taken.length > 0 && taken[0]! <= now - options.windowMs) taken.shift()
      if (taken.length >= options.maxRestarts) return false
      taken.push(now)
      return true
    }
  }
}

/**
 * A group consumer with manual commits only (autoCommit off, no auto-resolve in eachBatch), so
 * callers commit an offset only after its effects are durable (at-least-once). kafkajs restarts it
 * after retriable crashes within a bounded budget; past it the consumer is dead and `onCrash` says so.
 */
export function createConsumer (kafka: Kafka, options: ConsumerOptions): WabridgeConsumer {
  const maxRestarts = options.maxRestarts ?? 5
  const restartWindowMs = options.restartWindowMs ?? 600_000
  const restartTimeoutMs = options.restartTimeoutMs ?? 300_000
  const budget = createRestartBudget({ maxRestarts, windowMs: restartWindowMs, clock: options.clock ?? Date.now })
  let started = false
  let stopped = false
  let hasFailed = false
  let isBudgetSpent = false
  let restartTimer: NodeJS.Timeout | undefined
  const config: ConsumerConfig = {
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    ...(options.sessionTimeoutMs !== undefined && { sessionTimeout: options.sessionTimeoutMs }),
    ...(options.heartbeatIntervalMs !== undefined && { heartbeatInterval: options.heartbeatIntervalMs }),
    ...(options.rebalanceTimeoutMs !== undefined && { rebalanceTimeout: options.rebalanceTimeoutMs }),
    ...(options.maxBytesPerPartition !== undefined && { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.maxWaitTimeMs !== undefined && { maxWaitTimeInMs: options.maxWaitTimeMs }),
    // kafkajs' own default (5 retries), plus the question it asks before each restart after a
    // retriable crash (never after a non-retriable one): without it, it restarts for ever.
    retry: {
      retries: 5,
      restartOnFailure: async () => {
        if (stopped || hasFailed) return false
        if (budget.take()) return true
        isBudgetSpent = true
        return false
      }
    }
  }
  const consumer = kafka.consumer(config)
  // The crash itself is the cause (loggers such as pino print the causes' messages after the message).
  const what = `kafka consumer of group ${options.groupId}`

  function fail (err: Error): void {
    if (hasFailed) return
    hasFailed = true
    clearTimeout(restartTimer)
    if (options.onCrash) options.onCrash(err)
    // Thrown outside kafkajs, whose event listeners swallow errors.
    else process.nextTick(() => { throw err })
  }

  consumer.on(consumer.events.CRASH, (event) => {
    clearTimeout(restartTimer)
    if (stopped || hasFailed) return
    const { error, restart } = event.payload
    if (restart) {
      // Not unref'd: when a restart fails silently nothing else may keep the process alive, and it must not exit 0.
      restartTimer = setTimeout(() => {
        fail(new Error(`${what} did not rejoin within ${restartTimeoutMs} ms of a restart`, { cause: error }))
      }, restartTimeoutMs)
    } else if (isBudgetSpent) {
      fail(new Error(`${what} crashed again after ${maxRestarts} restart(s) within ${restartWindowMs} ms`, { cause: error }))
    } else {
      fail(new Error(`${what} crashed with a non-retriable error`, { cause: error }))
    }
  })
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    clearTimeout(restartTimer)
    for (const { topic, partition, offset } of options.positionsOnJoin?.() ?? []) {
      try {
        consumer.seek({ topic, partition, offset: String(offset) })
      } catch (err) {
        options.logger?.warn({ err, groupId: options.groupId, topic, partition, offset: String(offset) }, 'could not seek a partition to where its reader had got to on a group join')
      }
    }
    options.onAssignment?.(event.payload.memberAssignment)
  })
  if (options.onRebalancing) {
    const onRebalancing = options.onRebalancing
    consumer.on(consumer.events.REBALANCING, () => onRebalancing())
  }

  return {
    kafkajs: consumer,
    async start (handler) {
      if (started) throw new Error('consumer already started')
      started = true
      try {
        await consumer.connect()
        await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false })
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
          ...('eachBatch' in handler ? { eachBatch: handler.eachBatch, eachBatchAutoResolve: false } : { eachMessage: handler.eachMessage })
        })
      } catch (err) {
        // Not running: a caller that retries its start (the broker not there yet) may call start again.
        started = false
        await consumer.disconnect().catch(() => {})
        throw err
      }
    },
    async stop () {
      clearTimeout(restartTimer)
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

/**
 * The heartbeat interval for a group session timeout: a tenth of it, at least 100 ms, so a member
 * misses several heartbeats (a slow batch, a GC pause) before the coordinator drops it.
 */
export function heartbeatIntervalFor (sessionTimeoutMs: number): number {
  return Math.max(100, Math.floor(sessionTimeoutMs / 10))
}
