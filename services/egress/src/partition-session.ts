import type { Admin, Kafka, Producer, TopicMessages } from 'kafkajs'
import { isFencingError, type OutgoingRecord } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { PartitionLedger, type LedgerEvent } from './ledger.ts'
import type { LedgerLoader, ReadUntil } from './ledger-loader.ts'
import { ledgerRecord } from './ledger-records.ts'

export interface SessionOptions {
  partition: number
  groupId: string
  requestsTopic: string
  attemptsTopic: string
  instance: string
  /** Kafka transaction timeout, ms. */
  transactionTimeoutMs: number
  /** How long a new owner waits for the previous owner's sends in flight to get their results before fencing it, ms. */
  takeoverGraceMs: number
  /** Final results of this age stay known (a request produced twice within it is skipped), ms. */
  dedupWindowMs: number
  /** When the committed offset has no ledger position (written by an egress before 0.2), results this far back are read, ms. */
  legacyLookbackMs: number
  /** Most bytes of records per partition in one transaction (below the topics' max.message.bytes). */
  maxBatchBytes: number
  commitIntervalMs: number
  clock: () => number
}

export interface SessionDeps {
  kafka: Kafka
  admin: Admin
  codec: Codec
  loader: LedgerLoader
  /** The committable offset of this partition (lowest unfinished request), or undefined. */
  committable: () => bigint | undefined
  /** Time of the consumer's last successful heartbeat (Date.now clock) while it still proves ownership, else 0 (heartbeatProof). */
  lastHeartbeatAt: () => number
  /** Whether the group's latest assignment still gives this partition to this instance. */
  stillAssigned: () => boolean
  /** A transaction committed: how long it took (ms, from its start to the commit's answer) and how many writes it carried. */
  onTransaction?: (ms: number, writes: number) => void
  /** The session ended for good (fenced by a new owner, or closed): drop its work. */
  onLost: (err: Error | undefined) => void
  logger: { info(obj: object, msg: string): void, warn(obj: object, msg: string): void, error(obj: object, msg: string): void }
}

/** A write failed: the records are not visible (their transaction was aborted or fenced). */
export class SessionWriteError extends Error {
  readonly fenced: boolean
  constructor (message: string, fenced: boolean, options?: ErrorOptions) {
    super(message, options)
    this.name = 'SessionWriteError'
    this.fenced = fenced
  }
}

/**
 * A write refused because the partition's history already settles what it would record: a "started"
 * marker for an attempt that this or another instance started already (or for a request with a final
 * result), a second final result, settlement or forward. Nothing of it was written; the other writes
 * of its transaction were.
 */
export class SessionConflictError extends Error {
  readonly requestId: string
  constructor (requestId: string, what: string) {
    super(`request ${requestId}: ${what}`)
    this.name = 'SessionConflictError'
    this.requestId = requestId
  }
}

interface PendingWrite {
  records: OutgoingRecord[]
  events: LedgerEvent[]
  bytes: number
  resolve: () => void
  reject: (err: Error) => void
}

/**
 * The time of the last heartbeat as proof that the group still gives this instance its partitions,
 * or 0 when it proves nothing any more: older than half the session timeout. After a pause of the
 * process (SIGSTOP, a long GC) the coordinator may have given the partitions away, and a heartbeat
 * from before the pause would let a recovering session fence the new owner and send again.
 */
export function heartbeatProof (lastHeartbeatAt: number, now: number, sessionTimeoutMs: number): number {
  return now - lastHeartbeatAt <= sessionTimeoutMs / 2 ? lastHeartbeatAt : 0
}

function recordBytes (r: OutgoingRecord): number {
  let n = 70 + (r.key ? Buffer.byteLength(r.key) : 0) + (r.value ? Buffer.byteLength(r.value) : 0)
  for (const [k, v] of Object.entries(r.headers ?? {})) n += 8 + Buffer.byteLength(k) + (v === undefined ? 0 : Buffer.byteLength(v as string | Buffer))
  return n
}

/**
 * This instance's ownership of one partition of the requests topic. Everything egress writes for
 * the partition's requests (attempt markers, results, dead letters, settlements, the committed
 * offset) goes through one Kafka transactional producer whose transactional id belongs to the
 * partition, not to the instance: the next owner's producer, on start, fences this one (Kafka bumps
 * the id's epoch and aborts its open transaction), so from then on nothing this instance writes for
 * the partition can become visible. A send starts only after its "started" marker was committed in
 * such a transaction, so a fenced instance cannot start a send, and the new owner, which reads the
 * partition's history back up to its own first record, sees every send that may have left.
 *
 * Lifecycle: open() → waits (takeoverGraceMs at most) for the previous owner's sends in flight to
 * get their results, fences it, reads the history back → ready. A failed transaction that is not a
 * fence (broker stalled, leader moving) is recovered: once a heartbeat proves this instance is still
 * a member owning the partition, the producer is started again (fencing its own open transaction)
 * and the history read up to the new owner record, so a commit whose answer was lost is seen.
 */
export class PartitionSession {
  readonly partition: number
  readonly ledger = new PartitionLedger()
  #state: 'opening' | 'ready' | 'recovering' | 'lost' = 'opening'
  #producer: Producer | undefined
  #epoch = 0
  readonly #stateWaiters: Array<() => void> = []
  readonly #queue: PendingWrite[] = []
  #flushing: Promise<void> | undefined
  #read!: ReadUntil
  #lastCommitted: bigint | undefined
  #lastCommitAt = 0
  /** Commit the offset with the next transaction whatever the interval (closing). */
  #forceOffset = false
  #commitTimer: NodeJS.Timeout | undefined
  readonly #ready: Promise<void>
  #resolveReady!: () => void
  #rejectReady!: (err: Error) => void
  readonly #options: SessionOptions
  readonly #deps: SessionDeps

  constructor (options: SessionOptions, deps: SessionDeps) {
    this.partition = options.partition
    this.#options = options
    this.#deps = deps
    this.#ready = new Promise((resolve, reject) => { this.#resolveReady = resolve; this.#rejectReady = reject })
    this.#ready.catch(() => {})
  }

  get state (): 'opening' | 'ready' | 'recovering' | 'lost' { return this.#state }

  /** Resolves true once the session is ready (again), false when it is lost. */
  async whenReady (): Promise<boolean> {
    while (this.#state === 'opening' || this.#state === 'recovering') {
      await new Promise<void>((resolve) => this.#stateWaiters.push(resolve))
    }
    return this.#state === 'ready'
  }

  /** Resolves once the session is lost (fenced, revoked or closed). */
  async whenLost (): Promise<void> {
    while (this.#state !== 'lost') await new Promise<void>((resolve) => this.#stateWaiters.push(resolve))
  }

  #setState (state: 'opening' | 'ready' | 'recovering' | 'lost'): void {
    this.#state = state
    for (const wake of this.#stateWaiters.splice(0)) wake()
  }

  /** Resolves once sends may start; rejects when the session ended first. */
  get ready (): Promise<void> { return this.#ready }
  get isReady (): boolean { return this.#state === 'ready' }

  get transactionalId (): string { return `${this.#options.groupId}:${this.#options.requestsTopic}:${this.#options.partition}` }

  /**
   * Takes the partition over. A failure that is not a fence (the broker stalled, a leader moving,
   * an admin call timing out) is tried again while the partition stays assigned (issue 12, item 11).
   */
  async open (): Promise<void> {
    let delay = 500
    for (;;) {
      try {
        await this.#openOnce()
        return
      } catch (err) {
        if (this.#state !== 'opening') return
        if (!this.#deps.stillAssigned()) { this.#lose(err as Error); return }
        const failedAt = Date.now()
        this.#deps.logger.warn({ err, partition: this.partition }, 'taking the partition over failed; trying again')
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(delay * 2, 5000)
        // Fenced while taking over: only a heartbeat after that proves the partition is still ours.
        if (isFencingError(err)) while (this.#state === 'opening' && this.#deps.stillAssigned() && this.#deps.lastHeartbeatAt() <= failedAt) await new Promise((resolve) => setTimeout(resolve, 200))
      }
    }
  }

  async #openOnce (): Promise<void> {
    const { partition } = this.#options
    const from = await this.#startOffset()
    this.#read = this.#deps.loader.open(partition, from, (event) => this.ledger.apply(event))
    // Before fencing: read what exists, then give the previous owner's sends in flight the
    // grace to get their results (a graceful hand-over then leaves nothing in doubt).
    const graceEnd = Date.now() + this.#options.takeoverGraceMs
    const end = await this.#deps.loader.end(partition)
    await this.#read((position) => position >= end, graceEnd)
    let seen = this.ledger.next
    while (this.ledger.inDoubtBy(this.#options.instance).length > 0 && Date.now() < graceEnd && this.#state === 'opening') {
      await this.#read((position) => position > seen, graceEnd)
      seen = this.ledger.next
    }
    if (this.#state !== 'opening') return
    await this.#fence()
    if (this.state !== 'opening') return
    this.#setState('ready')
    this.#commitTimer = setInterval(() => { if (this.#state === 'ready' && this.#offsetDue(true)) this.#schedule() }, this.#options.commitIntervalMs)
    this.#commitTimer.unref()
    this.#resolveReady()
    this.#schedule()
  }

  /** Starts the transactional producer (fencing any earlier one) and reads the history up to our owner record. */
  async #fence (): Promise<void> {
    const old = this.#producer
    this.#producer = undefined
    if (old) await old.disconnect().catch(() => {})
    const producer = this.#deps.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.#options.transactionTimeoutMs,
      allowAutoTopicCreation: false,
      // The coordinator answers CONCURRENT_TRANSACTIONS to a transaction started while it still completes the
      // previous one (a few ms): retried soon, as the Java client does, not after kafkajs' default 300 ms.
      retry: { retries: 12, initialRetryTime: 10, maxRetryTime: 2000 }
    })
    await producer.connect()
    // Closed or lost while connecting (#lose found no producer to disconnect): this one must not outlive it.
    if (this.#state === 'lost') {
      await producer.disconnect().catch(() => {})
      throw new Error(`partition ${this.partition} was released while its producer connected`)
    }
    this.#producer = producer
    this.#epoch++
    const owner = await ledgerRecord(this.#deps.codec, this.#options.attemptsTopic, this.partition, this.transactionalId,
      { kind: 'owner', instance: this.#options.instance, epoch: `${this.#options.clock()}-${this.#epoch}` })
    const txn = await producer.transaction()
    let ownerOffset: bigint
    try {
      const meta = await txn.sendBatch({ topicMessages: [{ topic: owner.topic, messages: [{ key: owner.key ?? null, value: owner.value, headers: owner.headers, partition: this.partition }] }], acks: -1 })
      ownerOffset = BigInt(meta.find((m) => m.topicName === owner.topic)!.baseOffset!)
      await txn.commit()
    } catch (err) {
      await txn.abort().catch(() => {})
      throw err
    }
    const readAll = await this.#read((position) => position > ownerOffset, Date.now() + 120_000)
    if (!readAll) throw new Error(`could not read the attempts partition ${this.partition} back to offset ${ownerOffset} within 120 s`)
  }

  async #startOffset (): Promise<bigint> {
    const { admin } = this.#deps
    const [committed] = await admin.fetchOffsets({ groupId: this.#options.groupId, topics: [this.#options.requestsTopic] })
    const entry = committed?.partitions.find((p) => p.partition === this.partition)
    if (entry && entry.offset !== '-1') {
      let meta: { a?: string, t?: number } = {}
      try { meta = JSON.parse(entry.metadata || '{}') as typeof meta } catch { /* no metadata */ }
      if (meta.a !== undefined && /^\d+$/.test(meta.a)) return BigInt(meta.a)
      if (Number.isFinite(meta.t)) {
        const byTime = await admin.fetchTopicOffsetsByTimestamp(this.#options.attemptsTopic, meta.t! - this.#options.legacyLookbackMs)
        const found = byTime.find((p) => p.partition === this.partition)
        if (found) return BigInt(found.offset)
      }
    }
    // Never committed: the whole partition (retention bounds it).
    return 0n
  }

  /**
   * Writes records and ledger events in one transaction (batched with other writes of this
   * partition). Resolves once committed; the events are then applied to the ledger. Rejects with a
   * SessionWriteError when the transaction failed (nothing of it is visible), and with a
   * SessionConflictError, writing nothing, when the history already records what an event would.
   */
  write (records: OutgoingRecord[], events: LedgerEvent[]): Promise<void> {
    if (this.#state === 'lost') return Promise.reject(new SessionWriteError(`partition ${this.partition} is no longer owned by this instance`, true))
    return new Promise((resolve, reject) => {
      const bytes = records.reduce((n, r) => n + recordBytes(r), 0) + events.length * 200
      this.#queue.push({ records, events, bytes, resolve, reject })
      this.#schedule()
    })
  }

  #offsetDue (force: boolean): boolean {
    const offset = this.#deps.committable()
    if (offset === undefined || offset === this.#lastCommitted) return false
    return force || this.#options.clock() - this.#lastCommitAt >= this.#options.commitIntervalMs
  }

  #schedule (): void {
    if (this.#flushing || this.#state !== 'ready') return
    if (this.#queue.length === 0 && !this.#offsetDue(this.#forceOffset)) return
    this.#flushing = this.#flushLoop().finally(() => {
      this.#flushing = undefined
      if (this.#state === 'ready' && this.#queue.length > 0) this.#schedule()
    })
  }

  async #flushLoop (): Promise<void> {
    // Lets the writes of one turn of the event loop (many lanes) share a transaction.
    await new Promise((resolve) => setImmediate(resolve))
    while (this.#state === 'ready' && (this.#queue.length > 0 || this.#offsetDue(this.#forceOffset))) {
      const batch: PendingWrite[] = []
      let bytes = 0
      while (this.#queue.length > 0 && (batch.length === 0 || bytes + this.#queue[0]!.bytes <= this.#options.maxBatchBytes)) {
        const next = this.#queue.shift()!
        batch.push(next)
        bytes += next.bytes
      }
      const admitted = this.#admit(batch)
      if (admitted.length === 0 && !this.#offsetDue(this.#forceOffset)) continue
      try {
        await this.#commitBatch(admitted)
        for (const w of admitted) w.resolve()
      } catch (err) {
        // Nothing of the batch is visible. Fenced or not, the session recovers if the group still gives
        // this instance the partition (a heartbeat after the failure proves it: the coordinator can also
        // bump the producer epoch itself, aborting a transaction that outlived its timeout); else it is lost
        // and the writes waiting for it fail as fenced.
        const fenced = isFencingError(err)
        const error = new SessionWriteError(`transaction on partition ${this.partition} failed${fenced ? ' (fenced)' : ''}: ${(err as Error).message}`, false, { cause: err })
        for (const w of admitted) w.reject(error)
        void this.#recover(error)
        return
      }
    }
  }

  /**
   * The writes of a batch that the history allows; the others are refused (SessionConflictError).
   * Checked right before the transaction, in the state 'ready', against the ledger, which then holds
   * everything any owner committed for the partition: what earlier owners wrote was read back up to
   * this session's owner record, and no one else can commit since (fenced). So a lane that judged its
   * request before the partition was recovered from a stale owner or taken over cannot start an
   * attempt another instance started meanwhile, nor write a second final result.
   */
  #admit (batch: PendingWrite[]): PendingWrite[] {
    const admitted: PendingWrite[] = []
    const finals = new Set<string>()
    const starts = new Set<string>()
    for (const w of batch) {
      const conflict = this.#conflictOf(w.events, finals, starts)
      if (conflict) { w.reject(conflict); continue }
      for (const e of w.events) {
        if (e.kind === 'final') finals.add(e.requestId)
        else if (e.kind === 'attempt' && e.state === 'started') starts.add(e.requestId)
      }
      admitted.push(w)
    }
    return admitted
  }

  #conflictOf (events: LedgerEvent[], finals: Set<string>, starts: Set<string>): SessionConflictError | undefined {
    const { ledger } = this
    for (const e of events) {
      if (e.kind === 'owner') continue
      const view = ledger.get(e.requestId)
      const final = view.kind === 'final' || finals.has(e.requestId)
      switch (e.kind) {
        case 'attempt':
          if (final) return new SessionConflictError(e.requestId, 'has a final result already')
          if (e.state === 'started' && ((view.kind === 'open' && view.attempt >= e.attempt) || starts.has(e.requestId))) {
            return new SessionConflictError(e.requestId, `attempt ${e.attempt + 1} was started already${view.kind === 'open' ? ` (by ${view.instance})` : ''}`)
          }
          break
        case 'final':
          if (final) return new SessionConflictError(e.requestId, 'has a final result already')
          break
        case 'settled':
          if (!ledger.unsettled().has(e.requestId)) return new SessionConflictError(e.requestId, 'has no unsettled result (settled already)')
          break
        case 'forwarded':
          if (ledger.wasForwarded(e.requestId, BigInt(e.sourceOffset))) return new SessionConflictError(e.requestId, 'was forwarded already')
          break
      }
    }
    return undefined
  }

  async #commitBatch (batch: PendingWrite[]): Promise<void> {
    const startedAt = performance.now()
    const producer = this.#producer
    if (!producer) throw new SessionWriteError('no producer', false)
    const { attemptsTopic } = this.#options
    const ledgerRecords = await Promise.all(batch.flatMap((w) => w.events.map((e) =>
      ledgerRecord(this.#deps.codec, attemptsTopic, this.partition, this.transactionalId, e))))
    const byTopic = new Map<string, TopicMessages>()
    const add = (r: OutgoingRecord) => {
      let tm = byTopic.get(r.topic)
      if (!tm) byTopic.set(r.topic, tm = { topic: r.topic, messages: [] })
      tm.messages.push({ key: r.key ?? null, value: r.value, ...(r.headers && { headers: r.headers }), partition: r.partition ?? this.partition })
    }
    for (const w of batch) for (const r of w.records) add(r)
    for (const r of ledgerRecords) add(r)
    const committable = this.#deps.committable()
    const txn = await producer.transaction()
    try {
      let attemptsBase: bigint | undefined
      if (byTopic.size > 0) {
        const meta = await txn.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 })
        const m = meta.find((x) => x.topicName === attemptsTopic && x.partition === this.partition)
        if (m?.baseOffset !== undefined) attemptsBase = BigInt(m.baseOffset)
      }
      const now = this.#options.clock()
      let committing: bigint | undefined
      if (committable !== undefined && committable !== this.#lastCommitted && (this.#forceOffset || now - this.#lastCommitAt >= this.#options.commitIntervalMs || batch.length === 0)) {
        committing = committable
        // This batch's own records count as a start too (they are applied only once committed).
        let start = this.ledger.startFor(committable, now, this.#options.dedupWindowMs)
        if (attemptsBase !== undefined && attemptsBase < start) start = attemptsBase
        await txn.sendOffsets({
          consumerGroupId: this.#options.groupId,
          topics: [{ topic: this.#options.requestsTopic, partitions: [{ partition: this.partition, offset: String(committable), metadata: JSON.stringify({ a: String(start), t: now, instance: this.#options.instance }) } as { partition: number, offset: string }] }]
        })
      }
      await txn.commit()
      this.#deps.onTransaction?.(performance.now() - startedAt, batch.length)
      if (attemptsBase !== undefined) {
        let i = 0n
        for (const w of batch) for (const e of w.events) this.ledger.apply({ ...e, offset: attemptsBase + i++, at: now })
      }
      if (committing !== undefined) {
        this.#lastCommitted = committing
        this.#lastCommitAt = now
        this.ledger.prune(committing, now, this.#options.dedupWindowMs)
      }
    } catch (err) {
      await txn.abort().catch(() => {})
      throw err
    }
  }

  async #recover (cause: Error): Promise<void> {
    if (this.#state !== 'ready') return
    this.#setState('recovering')
    let failedAt = Date.now()
    this.#deps.logger.warn({ err: cause, partition: this.partition }, 'transaction failed; recovering the partition once a heartbeat proves it is still ours')
    let delay = 200
    while (this.state === 'recovering') {
      await new Promise((resolve) => setTimeout(resolve, delay))
      delay = Math.min(delay * 2, 2000)
      if (!this.#deps.stillAssigned()) { this.#lose(cause); return }
      if (this.#deps.lastHeartbeatAt() <= failedAt) continue
      try {
        await this.#fence()
        if (this.state !== 'recovering') return
        this.#setState('ready')
        this.#deps.logger.info({ partition: this.partition }, 'partition recovered')
        this.#schedule()
        return
      } catch (err) {
        failedAt = Date.now()
        this.#deps.logger.warn({ err, partition: this.partition }, 'recovery failed; trying again')
      }
    }
  }

  #lose (err: Error | undefined): void {
    if (this.#state === 'lost') return
    const wasOpening = this.#state === 'opening'
    this.#setState('lost')
    if (this.#commitTimer) clearInterval(this.#commitTimer)
    const error = new SessionWriteError(`partition ${this.partition} is no longer owned by this instance${err ? `: ${err.message}` : ''}`, true, { cause: err })
    for (const w of this.#queue.splice(0)) w.reject(error)
    if (wasOpening) this.#rejectReady(error)
    this.#deps.loader.close(this.partition)
    const producer = this.#producer
    this.#producer = undefined
    void producer?.disconnect().catch(() => {})
    if (err) this.#deps.logger.warn({ err, partition: this.partition }, 'partition lost')
    this.#deps.onLost(err)
  }

  /** Ends the session (partition revoked or shutting down), after the writes already queued and a last offset commit. */
  async close (): Promise<void> {
    this.#forceOffset = true
    while (this.#state === 'ready' && (this.#flushing || this.#queue.length > 0 || this.#offsetDue(true))) {
      if (!this.#flushing) this.#schedule()
      if (!this.#flushing) break
      await this.#flushing
    }
    this.#lose(undefined)
  }
}
