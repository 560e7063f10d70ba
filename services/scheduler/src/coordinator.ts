import type { Admin, Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { PendingReader } from './pending-reader.ts'
import { PartitionWorker, type WorkerEvents, type WorkerOptions } from './partition-worker.ts'
import type { TransactionFaults } from './transactions.ts'

export interface CoordinatorOptions extends Omit<WorkerOptions, 'partition' | 'maxIndexed'> {
  /** Most pending entries in memory on this instance, shared by its partitions. */
  maxIndexed: number
  sessionTimeoutMs: number
  maxRestarts: number
  restartWindowMs: number
  onCrash: (err: Error) => void
}

export interface CoordinatorDeps {
  kafka: Kafka
  admin: Admin
  codec: Codec
  reader: PendingReader
  logger: Logger
  events: WorkerEvents
  faults?: TransactionFaults | undefined
}

export interface Coordinator {
  start(): Promise<void>
  stop(): Promise<void>
  /** Partitions the group gave this instance. */
  readonly assigned: number[]
  /** The worker of an owned partition. */
  worker(partition: number): PartitionWorker | undefined
  workers(): PartitionWorker[]
}

/**
 * The scheduler's membership of its consumer group on the scheduled topic: one PartitionWorker per
 * assigned partition, closed on revocation; a worker lost to a failed transaction is replaced once a
 * heartbeat after the failure proves the partition is still this instance's.
 */
export function createCoordinator (options: CoordinatorOptions, deps: CoordinatorDeps): Coordinator {
  const topic = options.scheduledTopic
  const workers = new Map<number, PartitionWorker>()
  let assigned = new Set<number>()
  let lastHeartbeatAt = 0
  let isStopping = false

  const consumer = createConsumer(deps.kafka, {
    groupId: options.groupId,
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: options.sessionTimeoutMs,
    heartbeatIntervalMs: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
    partitionsConsumedConcurrently: 16,
    maxWaitTimeMs: 100,
    maxRestarts: options.maxRestarts,
    restartWindowMs: options.restartWindowMs,
    onCrash: options.onCrash,
    onAssignment: (assignment) => onAssignment(assignment[topic] ?? [])
  })
  consumer.kafkajs.on(consumer.kafkajs.events.HEARTBEAT, () => { lastHeartbeatAt = Date.now() })

  async function committedOffset (partition: number): Promise<bigint> {
    const [committed] = await deps.admin.fetchOffsets({ groupId: options.groupId, topics: [topic] })
    const entry = committed?.partitions.find((p) => p.partition === partition)
    return entry && entry.offset !== '-1' ? BigInt(entry.offset) : 0n
  }

  function open (partition: number): void {
    // Each partition's share of the instance's budget, as owned now (memory stays flat whatever the assignment).
    const maxIndexed = () => Math.max(1, Math.floor(options.maxIndexed / Math.max(1, assigned.size)))
    const worker: PartitionWorker = new PartitionWorker({ ...options, partition, maxIndexed }, {
      kafka: deps.kafka,
      codec: deps.codec,
      reader: deps.reader,
      logger: deps.logger,
      events: deps.events,
      faults: deps.faults,
      committedOffset: () => committedOffset(partition),
      onLost: () => { void reopen(partition, worker, Date.now()) }
    })
    workers.set(partition, worker)
    worker.open().then(
      () => deps.logger.info(worker.stats(), 'partition taken over'),
      (err: unknown) => deps.logger.warn({ err, partition }, 'taking the partition over failed')
    )
  }

  async function reopen (partition: number, lost: PartitionWorker, lostAt: number): Promise<void> {
    const isCurrent = () => !isStopping && workers.get(partition) === lost && assigned.has(partition)
    // Only a heartbeat after the failure proves this member still owns the partition (else reopening would fence its new owner).
    const heartbeatSince = () => lastHeartbeatAt > lostAt + 100
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      if (!isCurrent()) return
      if (heartbeatSince()) break
    }
    open(partition)
  }

  function onAssignment (partitions: number[]): void {
    const next = new Set(partitions)
    for (const [p, w] of workers) {
      if (next.has(p)) continue
      workers.delete(p)
      void w.close()
    }
    assigned = next
    for (const p of partitions) if (!workers.has(p)) open(p)
    deps.logger.info({ partitions }, 'scheduled partitions assigned')
  }

  return {
    get assigned () { return [...assigned].sort((a, b) => a - b) },
    worker: (p) => workers.get(p),
    workers: () => [...workers.values()],
    async start () {
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const worker = workers.get(batch.partition)
          if (!worker) return
          // Taking a partition over reads its pending partition whole: keep the membership alive meanwhile.
          const beat = setInterval(() => { heartbeat().catch(() => {}) }, 1000)
          const isReady = await worker.whenReady().finally(() => clearInterval(beat))
          if (!isReady || !isRunning() || isStale()) {
            // Lost: its replacement takes the records; not fetching them again at once.
            await new Promise((resolve) => setTimeout(resolve, 250))
            return
          }
          const messages = batch.messages.filter((m) => BigInt(m.offset) >= worker.startOffset)
          try {
            if (messages.length > 0) await worker.intake(messages)
          } catch (err) {
            deps.logger.debug({ err, partition: batch.partition }, 'intake stopped')
            return
          }
          for (const m of batch.messages) resolveOffset(m.offset)
          await heartbeat()
        }
      })
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      await consumer.stop()
      await Promise.all([...workers.values()].map((w) => w.close()))
      workers.clear()
    }
  }
}
