import type { Admin, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs'
import { Partitioners } from 'kafkajs'
import { connectFenced, createConsumer, isFencingError, toKafkaHeaders, type WabridgeConsumer } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type InboundMedia, type InboundMessage } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { mediaJobOf, type MediaJob } from './media-job.ts'

export interface MediaPipelineOptions {
  groupId: string
  inboundTopic: string
  mediaTopic: string
  concurrency: number
  maxPending: number
  commitIntervalMs: number
  transactionTimeoutMs: number
  sessionTimeoutMs: number
  maxRestarts: number
  restartWindowMs: number
  onCrash: (err: Error) => void
}

export interface MediaPipelineDeps {
  kafka: Kafka
  admin: Admin
  codec: Codec
  logger: Logger
  /** Downloads and stores one media; never throws. */
  handle: (job: MediaJob) => Promise<InboundMedia>
  /** Called after each committed transaction with the records it published. */
  onPublished?: (records: InboundMedia[]) => void
}

export interface MediaPipeline {
  start (): Promise<void>
  /** Stops taking messages, lets running downloads finish (up to `graceMs`), publishes them, leaves the group. */
  stop (graceMs: number): Promise<void>
  /** Partitions owned, and how many of them are ready (fenced the previous owner, read the committed offset). */
  partitions (): { owned: number, ready: number }
  /** Downloads running and messages taken but not yet published. */
  load (): { running: number, pending: number }
}

/** One message taken from Kafka: done once its record (or null: nothing to publish) is known. */
interface Entry { offset: bigint, done: boolean, record: InboundMedia | null }

/** What this instance holds of one partition of the inbound topic. */
interface Session {
  partition: number
  producer: Producer
  ready: Promise<boolean>
  isReady: boolean
  released: boolean
  /** The committed offset read after fencing: earlier records were published by a previous owner. */
  startAt: bigint
  /** Highest offset taken (a refetch after a seek must not take it twice). */
  lastTaken: bigint
  entries: Entry[]
  busy: Promise<void> | undefined
  timer: NodeJS.Timeout | undefined
}

/**
 * Consumes the inbound messages, runs media downloads concurrently (across and within partitions),
 * and publishes each partition's finished records in order, in one Kafka transaction with the
 * offset after them (sendOffsets). A record is therefore published exactly when its message's
 * offset is committed: after a crash, the messages after the committed offset are taken again,
 * and nothing before it was lost or will be published twice. Each partition has its own
 * transactional producer (`<group>.tx.<partition>`): a new owner initialising it fences the
 * previous owner and aborts its open transaction.
 */
export function createMediaPipeline (o: MediaPipelineOptions, deps: MediaPipelineDeps): MediaPipeline {
  const log = deps.logger
  const sessions = new Map<number, Session>()
  let running = 0
  let stopping = false
  const waiters = new Set<() => void>()
  /** Resolves when a download finishes or a transaction frees room, or after `ms`. */
  const waitForChange = (ms: number): Promise<void> => new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); waiters.delete(done); resolve() }
    const timer = setTimeout(done, ms)
    waiters.add(done)
  })
  const changed = (): void => { for (const w of [...waiters]) w() }
  const pendingCount = (): number => { let n = 0; for (const s of sessions.values()) n += s.entries.length; return n }

  const consumer: WabridgeConsumer = createConsumer(deps.kafka, {
    groupId: o.groupId,
    topics: [o.inboundTopic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 16,
    sessionTimeoutMs: o.sessionTimeoutMs,
    maxRestarts: o.maxRestarts,
    restartWindowMs: o.restartWindowMs,
    onCrash: o.onCrash,
    onRebalancing: () => {
      // Eager rebalance: every partition is given up; the new assignment takes them over again.
      for (const s of sessions.values()) release(s)
      sessions.clear()
    },
    onAssignment: (assignment) => {
      for (const partition of assignment[o.inboundTopic] ?? []) {
        if (!sessions.has(partition)) sessions.set(partition, openSession(partition))
      }
    }
  })

  function openSession (partition: number): Session {
    const producer = deps.kafka.producer({
      transactionalId: `${o.groupId}.tx.${partition}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: o.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner
    })
    const s: Session = { partition, producer, ready: Promise.resolve(false), isReady: false, released: false, startAt: 0n, lastTaken: -1n, entries: [], busy: undefined, timer: undefined }
    s.ready = (async () => {
      for (let attempt = 1; !s.released; attempt++) {
        try {
          // connectFenced initialises the transactional id, which fences the previous owner and aborts
          // its open transaction (kafkajs' connect() alone does not: it asks for the id only at the first
          // transaction); only then is the committed offset final.
          await connectFenced(producer)
          const [committed] = await deps.admin.fetchOffsets({ groupId: o.groupId, topics: [o.inboundTopic] })
          const at = committed?.partitions.find((p) => p.partition === partition)?.offset
          s.startAt = at !== undefined && at !== '-1' ? BigInt(at) : 0n
          s.isReady = true
          return true
        } catch (err) {
          log.warn({ err, partition, attempt }, 'media partition: taking over failed; retrying')
          await producer.disconnect().catch(() => {})
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 200 * attempt)))
        }
      }
      return false
    })()
    return s
  }

  function release (s: Session): void {
    s.released = true
    clearTimeout(s.timer)
    void (async () => {
      await s.ready.catch(() => false)
      await s.busy
      await s.producer.disconnect().catch(() => {})
    })()
  }

  function scheduleFlush (s: Session): void {
    if (s.timer !== undefined || s.released) return
    s.timer = setTimeout(() => { s.timer = undefined; void flush(s) }, o.commitIntervalMs)
  }

  /** Publishes the partition's finished prefix and commits the offset after it, in one transaction. */
  function flush (s: Session): Promise<void> {
    if (s.busy) return s.busy.then(() => flush(s))
    s.busy = (async () => {
      let n = 0
      while (n < s.entries.length && s.entries[n]?.done === true) n++
      if (n === 0 || s.released || !s.isReady) return
      const taken = s.entries.slice(0, n)
      const records = taken.map((e) => e.record).filter((r): r is InboundMedia => r !== null)
      const next = (taken[n - 1] as Entry).offset + 1n
      const messages: Message[] = []
      for (const r of records) {
        messages.push({
          key: `${r.phone_number_id}:${r.wa_id}`,
          value: await deps.codec.serialize(o.mediaTopic, 'InboundMedia', r),
          headers: toKafkaHeaders({ eventId: r.event_id, contentType: contentTypeFor('InboundMedia'), schemaFingerprint: deps.codec.fingerprintHex('InboundMedia') })
        })
      }
      const tx = await s.producer.transaction()
      try {
        if (messages.length > 0) await tx.send({ topic: o.mediaTopic, messages })
        await tx.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: o.inboundTopic, partitions: [{ partition: s.partition, offset: next.toString() }] }] })
        await tx.commit()
      } catch (err) {
        await tx.abort().catch(() => {})
        throw err
      }
      s.entries.splice(0, n)
      changed()
      if (records.length > 0) deps.onPublished?.(records)
    })().catch((err: unknown) => {
      if (isFencingError(err)) {
        log.warn({ partition: s.partition }, 'media partition fenced by a new owner: giving it up')
        s.released = true
        return
      }
      log.warn({ err, partition: s.partition }, 'media transaction failed; retrying')
      clearTimeout(s.timer)
      s.timer = setTimeout(() => { s.timer = undefined; void flush(s) }, Math.max(500, o.commitIntervalMs))
    }).finally(() => {
      s.busy = undefined
      if (s.entries[0]?.done === true) scheduleFlush(s)
    })
    return s.busy
  }

  async function process (value: Buffer | null): Promise<InboundMedia | null> {
    if (value === null) return null
    let message: InboundMessage
    try {
      message = (await deps.codec.deserialize(value, 'InboundMessage')).value as InboundMessage
    } catch (err) {
      log.error({ err }, 'an inbound record could not be decoded; skipped')
      return null
    }
    const job = mediaJobOf(message)
    return job === undefined ? null : await deps.handle(job)
  }

  async function eachBatch ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const s = sessions.get(batch.partition)
    if (!s) return
    while (!s.isReady) {
      if (s.released || !isRunning() || isStale()) return
      await Promise.race([s.ready, new Promise((resolve) => setTimeout(resolve, 1000))])
      await heartbeat()
    }
    for (const m of batch.messages) {
      if (!isRunning() || isStale() || s.released || stopping) return
      const offset = BigInt(m.offset)
      if (offset < s.startAt || offset <= s.lastTaken) { resolveOffset(m.offset); continue }
      while (running >= o.concurrency || pendingCount() >= o.maxPending) {
        await waitForChange(1000)
        if (!isRunning() || isStale() || s.released || stopping) return
        await heartbeat()
      }
      const entry: Entry = { offset, done: false, record: null }
      s.entries.push(entry)
      s.lastTaken = offset
      running++
      void process(m.value).then((record) => { entry.record = record }, (err: unknown) => {
        // handle() never throws; a bug must not stall the partition: the message is passed over, loudly.
        log.error({ err, partition: s.partition, offset: m.offset }, 'media message failed unexpectedly; skipped')
      }).finally(() => {
        entry.done = true
        running--
        changed()
        scheduleFlush(s)
      })
      resolveOffset(m.offset)
      await heartbeat()
    }
  }

  return {
    async start () {
      await consumer.start({ eachBatch })
    },
    async stop (graceMs) {
      stopping = true
      changed()
      const deadline = Date.now() + graceMs
      const isBusy = (): boolean => running > 0 && Date.now() < deadline
      while (isBusy()) await waitForChange(100)
      for (const s of sessions.values()) {
        clearTimeout(s.timer)
        s.timer = undefined
        await flush(s).catch(() => {})
      }
      await consumer.stop()
      for (const s of sessions.values()) release(s)
      await Promise.all([...sessions.values()].map(async (s) => { await s.busy; await s.producer.disconnect().catch(() => {}) }))
      sessions.clear()
    },
    partitions () {
      let ready = 0
      for (const s of sessions.values()) if (s.isReady) ready++
      return { owned: sessions.size, ready }
    },
    load: () => ({ running, pending: pendingCount() })
  }
}
