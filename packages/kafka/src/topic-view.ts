import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, type WabridgeConsumer } from './consumer.ts'
import { fetchTopicOffsetsRetrying } from './ensure-topics.ts'

export interface TopicViewOptions {
  /** A compacted topic read whole by every instance. */
  topic: string
  /** Prefix of the view's private consumer group (it never commits: each start reads from the beginning). */
  groupIdPrefix: string
  /** Applies one record (value null = tombstone). */
  onRecord: (key: string, value: Buffer | null, offset: bigint) => Promise<void> | void
  onCrash?: (err: Error) => void
}

export interface TopicView {
  /** Resolves once every record written before the call has been read. */
  start(): Promise<void>
  /** Resolves once every record written before the call has been read (the view is current). */
  catchUp(): Promise<void>
  stop(): Promise<void>
}

/** A joined view that made no progress for this long has read everything there is, ms. */
const IDLE_MS = 5000

/** Reads a whole compacted topic, from the beginning and then as it grows (the notifier's silences and log, the campaigns service's campaigns and audiences, the suppression list and the messaging-limit guard's reach). */
export function createTopicView (options: TopicViewOptions, deps: { kafka: Kafka, admin?: Admin, logger: { info (obj: object, msg: string): void } }): TopicView {
  const positions = new Map<number, bigint>()
  const waiters: Array<{ targets: Map<number, bigint>, resolve: () => void }> = []
  let consumer: WabridgeConsumer | undefined
  let isStopped = false
  // Idle time counts only once the consumer has joined its group (joining alone takes seconds).
  let hasJoined = false
  let lastProgressAt = 0
  let timer: NodeJS.Timeout | undefined

  const isReached = (targets: Map<number, bigint>) => [...targets].every(([p, end]) => (positions.get(p) ?? 0n) >= end)
  function check (): void {
    for (const w of [...waiters]) {
      // The last record below an end offset is in the active segment, which compaction never
      // touches, so the end is reached; no progress for a while is the safety net all the same.
      if (isReached(w.targets) || (hasJoined && Date.now() - lastProgressAt > IDLE_MS)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }

  /** The topic's offsets, through the caller's admin, or a short-lived one when it has none. */
  async function endOffsets () {
    if (deps.admin) return await fetchTopicOffsetsRetrying(deps.admin, options.topic)
    const admin = deps.kafka.admin()
    await admin.connect()
    try { return await fetchTopicOffsetsRetrying(admin, options.topic) } finally { await admin.disconnect() }
  }

  async function catchUp (): Promise<void> {
    const targets = new Map<number, bigint>()
    for (const { partition, high, low } of await endOffsets()) {
      if (BigInt(high) > BigInt(low)) targets.set(partition, BigInt(high))
    }
    if (isReached(targets)) return
    lastProgressAt = Math.max(lastProgressAt, Date.now())
    await new Promise<void>((resolve) => waiters.push({ targets, resolve }))
  }

  return {
    async start () {
      consumer = createConsumer(deps.kafka, {
        groupId: `${options.groupIdPrefix}.view.${randomUUID()}`,
        topics: [options.topic],
        fromBeginning: true,
        maxWaitTimeMs: 250,
        ...(options.onCrash && { onCrash: options.onCrash })
      })
      consumer.kafkajs.on(consumer.kafkajs.events.END_BATCH_PROCESS, (e) => {
        const next = BigInt(e.payload.lastOffset) + 1n
        if (next > (positions.get(e.payload.partition) ?? 0n)) positions.set(e.payload.partition, next)
        lastProgressAt = Date.now()
        check()
      })
      consumer.kafkajs.on(consumer.kafkajs.events.GROUP_JOIN, () => { hasJoined = true; lastProgressAt = Date.now() })
      timer = setInterval(check, 250)
      timer.unref()
      const caughtUp = catchUp()
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const m of batch.messages) {
            await options.onRecord(m.key?.toString() ?? '', m.value, BigInt(m.offset))
            resolveOffset(m.offset)
          }
        }
      })
      await caughtUp
      deps.logger.info({ topic: options.topic }, 'topic view caught up')
    },
    catchUp,
    async stop () {
      if (isStopped) return
      isStopped = true
      if (timer) clearInterval(timer)
      for (const w of waiters.splice(0)) w.resolve()
      await consumer?.stop()
    }
  }
}
