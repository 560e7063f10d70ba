import type { Admin, Kafka } from 'kafkajs'
import pRetry from 'p-retry'
import { createConsumer } from '@wabridge/kafka'
import type { Alert, Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'

export interface AlertsReaderOptions {
  topic: string
  groupId: string
  sessionTimeoutMs: number
  maxRestarts: number
  restartWindowMs: number
  onCrash: (err: Error) => void
}

export interface AlertsReaderDeps {
  kafka: Kafka
  admin: Admin
  codec: Codec
  logger: Logger
  onAlert: (alert: Alert, partition: number) => void
  /** A partition went to another instance. */
  onRevoked: (partition: number) => void
  /** Resolves once the notification log holds everything written so far (a partition's old owner's last sends). */
  catchUpLog: () => Promise<void>
  onInvalid: () => void
}

export interface AlertsReader {
  start(): Promise<void>
  stop(): Promise<void>
  /** True when the partition is owned and read up to where it ended when it was assigned, and the log has caught up. */
  isReady(partition: number): boolean
  readonly assigned: number[]
}

/**
 * Reads wa.alerts in the notifier's consumer group. It never commits: each assignment reads its
 * partitions from the beginning (the alerts of a partition are its state), and a partition is
 * ready only once read up to where it ended when assigned, so no flush sees half of its history.
 */
export function createAlertsReader (options: AlertsReaderOptions, deps: AlertsReaderDeps): AlertsReader {
  const owned = new Set<number>()
  const targets = new Map<number, bigint>()
  const positions = new Map<number, bigint>()
  const logCaughtUp = new Set<number>()
  let generation = 0
  const stopping = new AbortController()

  const consumer = createConsumer(deps.kafka, {
    groupId: options.groupId,
    topics: [options.topic],
    fromBeginning: true,
    sessionTimeoutMs: options.sessionTimeoutMs,
    maxWaitTimeMs: 250,
    maxRestarts: options.maxRestarts,
    restartWindowMs: options.restartWindowMs,
    onCrash: options.onCrash,
    // Without its end offsets a partition never becomes ready (never notifies): failing for good is fatal.
    onAssignment: (assignment) => {
      onAssignment(assignment[options.topic] ?? []).catch((err: unknown) => {
        if (!stopping.signal.aborted) options.onCrash(new Error('alert partitions could not be prepared', { cause: err }))
      })
    }
  })

  async function onAssignment (partitions: number[]): Promise<void> {
    const gen = ++generation
    const next = new Set(partitions)
    for (const p of owned) {
      if (next.has(p)) continue
      owned.delete(p)
      targets.delete(p)
      positions.delete(p)
      logCaughtUp.delete(p)
      deps.onRevoked(p)
    }
    const added = partitions.filter((p) => !owned.has(p))
    for (const p of added) owned.add(p)
    if (added.length === 0) return
    const retry = { retries: 8, minTimeout: 250, maxTimeout: 5000, signal: stopping.signal, onFailedAttempt: ({ error }: { error: Error }) => deps.logger.warn({ err: error }, 'alert partitions: retrying') }
    const offsets = await pRetry(() => deps.admin.fetchTopicOffsets(options.topic), retry)
    for (const p of added) targets.set(p, BigInt(offsets.find((o) => o.partition === p)?.high ?? '0'))
    await pRetry(() => deps.catchUpLog(), retry)
    if (gen !== generation) return
    for (const p of added) if (owned.has(p)) logCaughtUp.add(p)
    deps.logger.info({ partitions: added }, 'alert partitions assigned')
  }

  return {
    get assigned () { return [...owned].sort((a, b) => a - b) },
    isReady (p) {
      const target = targets.get(p)
      return owned.has(p) && logCaughtUp.has(p) && target !== undefined && (positions.get(p) ?? 0n) >= target
    },
    async start () {
      consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (e) => {
        const next = BigInt(e.payload.lastOffset) + 1n
        if (owned.has(e.payload.partition) && next > (positions.get(e.payload.partition) ?? 0n)) positions.set(e.payload.partition, next)
      })
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            if (m.value !== null && owned.has(batch.partition)) {
              try {
                const { value } = await deps.codec.deserialize(m.value, 'Alert')
                deps.onAlert(value, batch.partition)
              } catch (err) {
                deps.onInvalid()
                deps.logger.warn({ err, partition: batch.partition, offset: m.offset }, 'undecodable alert skipped')
              }
            }
            resolveOffset(m.offset)
          }
        }
      })
    },
    async stop () {
      stopping.abort()
      await consumer.stop()
    }
  }
}
