import type { Admin, ConsumerConfig, Kafka } from 'kafkajs'
import { Partitioners } from 'kafkajs'
import { createConsumer, createProducer, createTopicView, type WabridgeConsumer } from '@wabridge/kafka'
import { windowKey, type Codec, type CustomerWindow } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { coPartitionAssigner } from './co-partition-assigner.ts'
import { isWindowClosed, mergeWindow, windowFromMessage, windowFromStatus, windowState, type WindowState, type WindowUpdate } from './reduce.ts'
import { ensureWindowTopics, windowTopics, type WindowTopics } from './topics.ts'

export interface WindowKeeperEvents {
  /** Window records written to wa.windows (acknowledged). */
  written?: (count: number) => void
  /** Tombstones written for pairs whose windows both closed. */
  tombstoned?: (count: number) => void
  /** Inbound records that could not be decoded (skipped). */
  skipped?: (count: number) => void
}

export interface WindowKeeperOptions {
  /** TOPIC_PREFIX; topic names and the group derive from it. */
  prefix: string
  topics?: WindowTopics | undefined
  /** Consumer group of every keeper instance (default `<prefix>.conversations.windows`). */
  groupId?: string | undefined
  codec: Codec
  logger?: Logger | undefined
  /** Epoch ms; decides which windows are closed. Default Date.now. */
  clock?: (() => number) | undefined
  /** How often closed windows are tombstoned and dropped from memory, ms. Default 60000; 0 = never (call sweep()). */
  sweepIntervalMs?: number | undefined
  /** Partitions of topics created when missing (KAFKA_TOPIC_PARTITIONS). Default 12. */
  partitions?: number | undefined
  replicationFactor?: number | undefined
  allowSingleReplica?: boolean | undefined
  sessionTimeoutMs?: number | undefined
  maxRestarts?: number | undefined
  restartWindowMs?: number | undefined
  /** The consumer died for good (see createConsumer). */
  onCrash?: ((err: Error) => void) | undefined
  events?: WindowKeeperEvents | undefined
  /** An admin client to reuse (connected by the caller); else the keeper opens its own. */
  admin?: Admin | undefined
}

export interface WindowKeeper {
  /** Creates the topics when missing, reads wa.windows whole, then joins the group. */
  start(): Promise<void>
  stop(): Promise<void>
  /** True once wa.windows was read and the group joined (the service's /readyz). */
  isReady(): boolean
  /** The pair's window as last merged or read from wa.windows (pairs of other instances as their owner last wrote them). */
  lookup(phoneNumberId: string, waId: string): CustomerWindow | undefined
  state(phoneNumberId: string, waId: string, now?: number): WindowState
  /** Pairs held in memory. */
  size(): number
  /** Partitions of the inbound topics this instance owns (per topic). */
  assignment(): Record<string, number[]>
  /** Tombstones the owned pairs whose windows both closed and drops every closed pair from memory; the number tombstoned. */
  sweep(): Promise<number>
}

/**
 * The window keeper: a consumer group on wa.inbound.messages and wa.inbound.statuses (partition p of
 * both co-assigned to one member, so one pair has one writer) that merges what each event says into
 * the pair's window and writes the merged record to wa.windows after each batch, committing the
 * batch's offsets only once those writes are acknowledged. At-least-once is enough: merging is
 * idempotent, so a batch processed twice writes the same records.
 */
export function createWindowKeeper (kafka: Kafka, options: WindowKeeperOptions): WindowKeeper {
  const logger = options.logger ?? createLogger({ level: 'silent', name: 'conversations' })
  const clock = options.clock ?? Date.now
  const topics = options.topics ?? windowTopics(options.prefix)
  const groupId = options.groupId ?? `${options.prefix}.conversations.windows`
  const windows = new Map<string, CustomerWindow>()
  const producer = createProducer(kafka, { lingerMs: 0 })
  const partitioner = Partitioners.DefaultPartitioner()
  let ownAdmin: Admin | undefined
  let consumer: WabridgeConsumer | undefined
  let assigned: Record<string, number[]> = {}
  let messagePartitions = 0
  let hasLoaded = false
  let hasJoined = false
  let needsCatchUp = true
  let isStopped = false
  let sweeper: NodeJS.Timeout | undefined
  // Batches and sweeps run one at a time: a sweep never tombstones a pair a batch is writing.
  let queue: Promise<unknown> = Promise.resolve()
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => undefined)
    return run
  }

  const view = createTopicView({
    topic: topics.windows,
    groupIdPrefix: groupId,
    ...(options.onCrash && { onCrash: options.onCrash }),
    onRecord: async (key, value) => {
      if (value === null) {
        // A sweep's tombstone (ours or a previous owner's). A pair merged open since then stays: dropping it
        // would let the next write of that pair leave out what it knew.
        const w = windows.get(key)
        if (w && isWindowClosed(w, clock())) windows.delete(key)
        return
      }
      try {
        const w = (await options.codec.deserialize(value, 'CustomerWindow')).value
        windows.set(key, mergeWindow(windows.get(key), w))
      } catch (err) {
        logger.warn({ err, topic: topics.windows, key }, 'window record skipped: not a CustomerWindow')
      }
    }
  }, { kafka, logger })

  /** The inbound partition of a pair's key (the producers' murmur2 partitioner). */
  const partitionOf = (key: string) => partitioner({
    topic: topics.messages,
    partitionMetadata: Array.from({ length: messagePartitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 })),
    message: { key, value: null }
  })

  async function decode (topic: string, value: Buffer): Promise<WindowUpdate | undefined> {
    if (topic === topics.statuses) return windowFromStatus((await options.codec.deserialize(value, 'InboundStatus')).value)
    return windowFromMessage((await options.codec.deserialize(value, 'InboundMessage')).value)
  }

  async function write (keys: Iterable<string>): Promise<void> {
    const now = clock()
    const records = []
    for (const key of keys) {
      const w = windows.get(key)
      if (!w) continue
      const stamped = { ...w, updated_at: Math.max(w.updated_at, now) }
      windows.set(key, stamped)
      records.push({ topic: topics.windows, key, value: await options.codec.serialize(topics.windows, 'CustomerWindow', stamped) })
    }
    if (records.length === 0) return
    await producer.send(records)
    options.events?.written?.(records.length)
  }

  async function sweep (): Promise<number> {
    return await serially(async () => {
      const now = clock()
      const owned = new Set(assigned[topics.messages] ?? [])
      const tombstones: string[] = []
      for (const [key, w] of windows) {
        if (!isWindowClosed(w, now)) continue
        if (messagePartitions > 0 && owned.has(partitionOf(key))) tombstones.push(key)
        else windows.delete(key)
      }
      if (tombstones.length > 0) {
        await producer.send(tombstones.map((key) => ({ topic: topics.windows, key, value: null })))
        for (const key of tombstones) windows.delete(key)
        options.events?.tombstoned?.(tombstones.length)
      }
      return tombstones.length
    })
  }

  // createConsumer builds its kafkajs consumer through kafka.consumer(): this one adds the co-partition assigner.
  const withAssigner = Object.create(kafka, {
    consumer: { value: (config: ConsumerConfig) => kafka.consumer({ ...config, partitionAssigners: [coPartitionAssigner] }) }
  }) as Kafka

  const keeper: WindowKeeper = {
    async start () {
      let admin = options.admin
      if (!admin) {
        ownAdmin = kafka.admin()
        await ownAdmin.connect()
        admin = ownAdmin
      }
      await ensureWindowTopics(admin, { prefix: options.prefix, topics, partitions: options.partitions ?? 12, replicationFactor: options.replicationFactor, allowSingleReplica: options.allowSingleReplica })
      const meta = await admin.fetchTopicMetadata({ topics: [topics.messages, topics.statuses] })
      messagePartitions = meta.topics.find((t) => t.name === topics.messages)?.partitions.length ?? 0
      const statusPartitions = meta.topics.find((t) => t.name === topics.statuses)?.partitions.length ?? 0
      if (statusPartitions !== messagePartitions) {
        logger.warn({ messages: messagePartitions, statuses: statusPartitions }, 'the inbound messages and statuses topics have different partition counts: a pair\'s message and status may reach two keepers')
      }
      await producer.start()
      await view.start()
      hasLoaded = true
      logger.info({ topic: topics.windows, windows: windows.size }, 'windows loaded')
      consumer = createConsumer(withAssigner, {
        groupId,
        topics: [topics.messages, topics.statuses],
        // A new group reads the inbound topics' retention (7 days): windows from before its first start count.
        fromBeginning: true,
        ...(options.sessionTimeoutMs !== undefined && { sessionTimeoutMs: options.sessionTimeoutMs }),
        ...(options.maxRestarts !== undefined && { maxRestarts: options.maxRestarts }),
        ...(options.restartWindowMs !== undefined && { restartWindowMs: options.restartWindowMs }),
        ...(options.onCrash && { onCrash: options.onCrash }),
        onAssignment: (a) => {
          assigned = a
          hasJoined = true
          // The previous owner of these partitions wrote their windows before committing: read up to there first.
          needsCatchUp = true
          logger.info({ assignment: a }, 'window partitions assigned')
        }
      })
      const c = consumer
      await c.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          if (batch.messages.length === 0) return
          await serially(async () => {
            if (needsCatchUp) {
              await view.catchUp()
              needsCatchUp = false
            }
            const touched = new Set<string>()
            let skipped = 0
            for (const m of batch.messages) {
              if (m.value === null) continue
              let update: WindowUpdate | undefined
              try {
                update = await decode(batch.topic, m.value)
              } catch (err) {
                skipped++
                logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: m.offset }, 'inbound record skipped: cannot be decoded')
              }
              if (!update) continue
              const key = windowKey(update.phone_number_id, update.wa_id)
              windows.set(key, mergeWindow(windows.get(key), update))
              touched.add(key)
            }
            if (skipped > 0) options.events?.skipped?.(skipped)
            await write(touched)
            const last = batch.messages[batch.messages.length - 1]!.offset
            resolveOffset(last)
            await c.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }])
          })
        }
      })
      const every = options.sweepIntervalMs ?? 60_000
      if (every > 0) {
        sweeper = setInterval(() => {
          sweep().catch((err: unknown) => logger.warn({ err }, 'window sweep failed; the next one retries'))
        }, every)
        sweeper.unref()
      }
    },
    async stop () {
      if (isStopped) return
      isStopped = true
      if (sweeper) clearInterval(sweeper)
      await consumer?.stop()
      await queue
      await view.stop()
      await producer.stop()
      await ownAdmin?.disconnect()
    },
    isReady: () => hasLoaded && hasJoined && !isStopped,
    lookup: (pn, waId) => windows.get(windowKey(pn, waId)),
    state: (pn, waId, now = clock()) => windowState(windows.get(windowKey(pn, waId)), now),
    size: () => windows.size,
    assignment: () => assigned,
    sweep
  }
  return keeper
}
