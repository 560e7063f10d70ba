import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { createConsumer, createTopicView, type WabridgeConsumer } from '@wabridge/kafka'
import { CSW_DURATION_MS, windowKey, type Codec, type CustomerWindow } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { isWindowClosed, mergeWindow, windowFromMessage, windowState, type WindowState } from './reduce.ts'
import { ensureWindowTopics, windowTopics, type WindowTopics } from './topics.ts'

export interface WindowTrackerOptions {
  /** TOPIC_PREFIX; topic names and the keeper's group derive from it. */
  prefix: string
  topics?: WindowTopics | undefined
  /** The keeper's consumer group, whose committed offsets the tail starts from (default `<prefix>.conversations.windows`). */
  keeperGroupId?: string | undefined
  codec: Codec
  logger?: Logger | undefined
  /** Epoch ms of window decisions (state() without `now`, the sweep). Default Date.now. Deadlines are real time. */
  clock?: (() => number) | undefined
  /** The tail or the view died for good (see createConsumer). */
  onCrash?: ((err: Error) => void) | undefined
  /** A connected admin client to reuse; else the tracker opens its own. */
  admin?: Admin | undefined
  /** How often closed windows are dropped from memory, ms. Default 60000; 0 = never. */
  sweepIntervalMs?: number | undefined
  /**
   * Create wa.inbound.messages, wa.inbound.statuses and wa.windows when missing, with these settings
   * (KAFKA_TOPIC_PARTITIONS, …). Without it start() fails while they do not exist.
   */
  ensureTopics?: { partitions: number, replicationFactor?: number | undefined, allowSingleReplica?: boolean | undefined } | undefined
  /** Consumer fetch wait, ms: bounds how long a new inbound message takes to reach the tail when idle. Default 100. */
  maxWaitTimeMs?: number | undefined
}

export interface WindowTracker {
  /** Reads wa.windows whole and starts tailing wa.inbound.messages; resolves once both are running (not necessarily caught up). */
  start(): Promise<void>
  stop(): Promise<void>
  /** Resolves true once the snapshot and the tail have read what existed at start (false at `deadline`, epoch ms). */
  caughtUp(deadline: number): Promise<boolean>
  isCaughtUp(): boolean
  lookup(phoneNumberId: string, waId: string): CustomerWindow | undefined
  state(phoneNumberId: string, waId: string, now?: number): WindowState
  /**
   * The barrier before refusing: resolves true once the tail has read every inbound message that
   * existed when the call was made (false at `deadlineMs`, epoch ms). Concurrent calls share one
   * fetch of the end offsets (one fetch serves every call made before it started).
   */
  sync(deadlineMs: number): Promise<boolean>
  /** Pairs held in memory. */
  size(): number
}

type Targets = Map<number, bigint>

/**
 * What egress and the HTTP API ask before a free-form send: is the pair's customer service window
 * open now? It reads the compacted wa.windows (the keeper's state) and tails wa.inbound.messages
 * itself, without committing (a private group that seeks), from the keeper's committed offsets or
 * the last 24 h, whichever is later, so it neither depends on the keeper being up nor lags behind it.
 */
export function createWindowTracker (kafka: Kafka, options: WindowTrackerOptions): WindowTracker {
  const logger = options.logger ?? createLogger({ level: 'silent', name: 'conversations' })
  const clock = options.clock ?? Date.now
  const topics = options.topics ?? windowTopics(options.prefix)
  const keeperGroupId = options.keeperGroupId ?? `${options.prefix}.conversations.windows`
  const windows = new Map<string, CustomerWindow>()
  /** Next offset to read per partition of the messages topic, contiguous from where the tail started. */
  const positions = new Map<number, bigint>()
  const waiters: Array<{ targets: Targets, resolve: (ok: boolean) => void, timer: NodeJS.Timeout }> = []
  let ownAdmin: Admin | undefined
  let admin: Admin | undefined
  let tail: WabridgeConsumer | undefined
  let sweeper: NodeJS.Timeout | undefined
  let isStopped = false
  let isStarted = false
  let caughtUpAtStart = false
  /** The end offsets when the tail started: caughtUp() waits for them. */
  let startTargets: Targets | undefined
  // sync(): the end offsets fetch under way, and the one queued behind it for calls made after it started.
  let inFlight: Promise<Targets> | undefined
  let queued: Promise<Targets> | undefined
  let starting: Promise<void> | undefined
  let hasView = false

  const view = createTopicView({
    topic: topics.windows,
    groupIdPrefix: `${options.prefix}.conversations.tracker`,
    ...(options.onCrash && { onCrash: options.onCrash }),
    onRecord: async (key, value) => {
      if (value === null) {
        // The keeper closed it; a message the tail read since may have opened it again.
        const w = windows.get(key)
        if (w && isWindowClosed(w, clock())) windows.delete(key)
        return
      }
      try {
        windows.set(key, mergeWindow(windows.get(key), (await options.codec.deserialize(value, 'CustomerWindow')).value))
      } catch (err) {
        logger.warn({ err, topic: topics.windows, key }, 'window record skipped: not a CustomerWindow')
      }
    }
  }, { kafka, ...(options.admin && { admin: options.admin }), logger })

  const isReached = (targets: Targets) => [...targets].every(([p, end]) => (positions.get(p) ?? -1n) >= end)
  function check (): void {
    for (const w of [...waiters]) {
      if (!isReached(w.targets)) continue
      waiters.splice(waiters.indexOf(w), 1)
      clearTimeout(w.timer)
      w.resolve(true)
    }
  }
  function waitFor (targets: Targets, deadline: number): Promise<boolean> {
    if (isReached(targets)) return Promise.resolve(true)
    if (isStopped) return Promise.resolve(false)
    return new Promise<boolean>((resolve) => {
      const waiter = {
        targets,
        resolve,
        timer: setTimeout(() => {
          const i = waiters.indexOf(waiter)
          if (i >= 0) waiters.splice(i, 1)
          resolve(false)
        }, Math.max(0, deadline - Date.now()))
      }
      waiters.push(waiter)
    })
  }

  async function endOffsets (): Promise<Targets> {
    const targets: Targets = new Map()
    for (const { partition, high, low } of await admin!.fetchTopicOffsets(topics.messages)) {
      if (BigInt(high) > BigInt(low)) targets.set(partition, BigInt(high))
    }
    return targets
  }

  /** One fetch for every caller that came before it started (at most one under way and one queued). */
  function syncTargets (): Promise<Targets> {
    if (queued) return queued
    if (!inFlight) {
      const fetch: Promise<Targets> = endOffsets().finally(() => { if (inFlight === fetch) inFlight = undefined })
      inFlight = fetch
      return fetch
    }
    const next: Promise<Targets> = inFlight.catch(() => undefined).then(() => {
      queued = undefined
      return syncTargets()
    })
    queued = next
    return next
  }

  /** Where the tail starts per partition: the keeper's committed offset or 24 h back, whichever is later. */
  async function startOffsets (): Promise<Map<number, string>> {
    const starts = new Map<number, string>()
    const sinceDay = await admin!.fetchTopicOffsetsByTimestamp(topics.messages, Date.now() - CSW_DURATION_MS)
    for (const { partition, offset } of sinceDay) starts.set(partition, offset)
    const ends = await admin!.fetchTopicOffsets(topics.messages)
    for (const { partition, high } of ends) if (BigInt(starts.get(partition) ?? '-1') < 0n) starts.set(partition, high)
    const [committed] = await admin!.fetchOffsets({ groupId: keeperGroupId, topics: [topics.messages] })
    for (const { partition, offset } of committed?.partitions ?? []) {
      const at = BigInt(offset)
      if (at >= 0n && at > BigInt(starts.get(partition) ?? '0')) starts.set(partition, offset)
    }
    return starts
  }

  function sweep (): void {
    const now = clock()
    for (const [key, w] of windows) if (isWindowClosed(w, now)) windows.delete(key)
  }

  /** start(): every step checks whether stop() came meanwhile (stop() waits for it, then tears down what exists). */
  async function run (): Promise<void> {
    admin = options.admin
    if (!admin) {
      // A start retried after a failure reuses what the failed one made.
      if (!ownAdmin) {
        ownAdmin = kafka.admin()
        await ownAdmin.connect()
      }
      admin = ownAdmin
    }
    if (options.ensureTopics) await ensureWindowTopics(admin, { prefix: options.prefix, topics, ...options.ensureTopics })
    if (isStopped) return
    if (!hasView) {
      await view.start()
      hasView = true
    }
    if (isStopped) return
    const starts = await startOffsets()
    // What existed at start, for caughtUp().
    startTargets = await endOffsets()
    if (isStopped) return
    for (const [partition, offset] of starts) positions.set(partition, BigInt(offset))
    let hasSought = false
    const consumer = createConsumer(kafka, {
      groupId: `${options.prefix}.conversations.tracker.${randomUUID()}`,
      topics: [topics.messages],
      fromBeginning: false,
      maxWaitTimeMs: options.maxWaitTimeMs ?? 100,
      ...(options.onCrash && { onCrash: options.onCrash }),
      // Each join (the first, and every one after kafkajs restarted a crashed consumer, which would
      // start at the end) sends every partition to where the tail stands.
      positionsOnJoin: () => [...positions].map(([partition, offset]) => ({ topic: topics.messages, partition, offset })),
      logger,
      onAssignment: () => {
        hasSought = true
        check()
      }
    })
    tail = consumer
    await consumer.start({
      eachBatch: async ({ batch, resolveOffset }) => {
        // Only a batch read from where the tail stands counts: one fetched before the seek is left
        // unresolved, so the next fetch starts at the seek.
        const position = positions.get(batch.partition)
        const fetched = BigInt((batch as unknown as { fetchedOffset: string }).fetchedOffset)
        if (!hasSought || position === undefined || fetched > position) return
        for (const m of batch.messages) {
          if (m.value === null) continue
          try {
            const update = windowFromMessage((await options.codec.deserialize(m.value, 'InboundMessage')).value)
            if (update) {
              const key = windowKey(update.phone_number_id, update.wa_id)
              windows.set(key, mergeWindow(windows.get(key), update))
            }
          } catch (err) {
            logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: m.offset }, 'inbound message skipped: cannot be decoded')
          }
        }
        if (batch.messages.length > 0) resolveOffset(batch.messages[batch.messages.length - 1]!.offset)
        const next = BigInt(batch.lastOffset()) + 1n
        if (next > position) positions.set(batch.partition, next)
        check()
      }
    })
    if (isStopped) return
    isStarted = true
    const every = options.sweepIntervalMs ?? 60_000
    if (every > 0) {
      sweeper = setInterval(sweep, every)
      sweeper.unref()
    }
    logger.info({ topic: topics.messages, windows: windows.size, starts: Object.fromEntries(starts) }, 'window tracker started')
  }

  const tracker: WindowTracker = {
    async start () {
      if (isStarted) return
      starting = run()
      try {
        await starting
      } catch (err) {
        // Retried by the caller: the tail is made again, the admin and the view are kept.
        const failed = tail
        tail = undefined
        await failed?.stop().catch(() => undefined)
        throw err
      }
    },
    async caughtUp (deadline) {
      if (caughtUpAtStart) return true
      if (!startTargets) return false
      const ok = await waitFor(startTargets, deadline)
      if (ok) caughtUpAtStart = true
      return ok
    },
    isCaughtUp: () => {
      if (!caughtUpAtStart && startTargets && isStarted && isReached(startTargets)) caughtUpAtStart = true
      return caughtUpAtStart
    },
    lookup: (pn, waId) => windows.get(windowKey(pn, waId)),
    state: (pn, waId, now = clock()) => windowState(windows.get(windowKey(pn, waId)), now),
    async sync (deadlineMs) {
      if (!isStarted || isStopped) return false
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), Math.max(0, deadlineMs - Date.now())) })
      let targets: Targets | undefined
      try {
        targets = await Promise.race([syncTargets(), late])
      } catch (err) {
        logger.warn({ err, topic: topics.messages }, 'end offsets not fetched: the window sync cannot confirm')
        return false
      } finally {
        clearTimeout(timer)
      }
      if (!targets) return false
      return await waitFor(targets, deadlineMs)
    },
    size: () => windows.size,
    async stop () {
      if (isStopped) return
      isStopped = true
      for (const w of waiters.splice(0)) { clearTimeout(w.timer); w.resolve(false) }
      // A start under way notices the stop at its next step.
      await starting?.catch(() => undefined)
      if (sweeper) clearInterval(sweeper)
      await tail?.stop()
      await view.stop()
      tail = undefined
      await ownAdmin?.disconnect()
    }
  }
  return tracker
}
