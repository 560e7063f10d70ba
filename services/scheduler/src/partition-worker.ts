import type { Kafka, KafkaMessage } from 'kafkajs'
import { Mutex } from 'async-mutex'
import type { Codec } from '@wabridge/schemas'
import { RELEASED_HEADER } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import { DueIndex, ScanCollector } from './due-index.ts'
import type { PendingReader } from './pending-reader.ts'
import { RecentIds } from './recent-ids.ts'
import { markerRecord, ownHeaders, peekPendingRecord, pendingRecord, readIntake, readPendingRecord, toPendingEntry, schedulerResult, tooFarAhead, type PendingEntry, type PendingRecord } from './records.ts'
import { PartitionProducer, type OutRecord, type TransactionFaults } from './transactions.ts'

export interface WorkerOptions {
  partition: number
  groupId: string
  scheduledTopic: string
  pendingTopic: string
  requestsTopic: string
  resultsTopic: string
  transactionTimeoutMs: number
  /** Most entries this partition keeps in memory (its share of SCHEDULER_MAX_INDEXED, read at each scan). */
  maxIndexed: () => number
  horizonMs: number
  rescanLeadMs: number
  maxReleaseBatch: number
  markerRetentionMs: number
  clock: () => number
}

export interface WorkerEvents {
  released?(count: number, latenessMs: number[]): void
  cancelled?(): void
  rejected?(): void
  duplicate?(): void
  scanned?(ms: number, records: number): void
}

export interface WorkerDeps {
  kafka: Kafka
  codec: Codec
  reader: PendingReader
  /** The scheduled partition's committed offset (where this owner starts). */
  committedOffset: () => Promise<bigint>
  logger: Logger
  events: WorkerEvents
  faults?: TransactionFaults | undefined
  /** A transaction failed (fenced, or its outcome unknown): the worker stopped; the app opens a new one if the partition is still ours. */
  onLost: (err: Error) => void
}

export type CancelOutcome = 'cancelled' | 'released' | 'already_cancelled' | 'not_found'

export interface PartitionStats {
  partition: number
  state: 'opening' | 'ready' | 'lost' | 'closed'
  indexed: number
  /** Pending requests not in memory, as of the last scan plus those scheduled since (an upper bound). */
  later: number
  next_due_at: number | null
  boundary: number | null
  last_scan_at: number | null
}

/** Bytes of record values in one transaction: below the topics' default max.message.bytes (1 MiB) per partition. */
const MAX_TXN_BYTES = 512 * 1024
const MAX_INTAKE_RECORDS = 1000
/** Old markers tombstoned after one scan, at most. */
const MAX_MARKER_TOMBSTONES = 10_000
/** Scans of one partition start at least this far apart (real time), ms. */
const MIN_SCAN_GAP_MS = 1000
type Journal = Array<{ put: PendingEntry } | { remove: string }>

/**
 * This instance's ownership of one partition of the scheduled topic and the same partition of the
 * pending topic. Every write (intake, release, cancel) is one Kafka transaction of the partition's
 * producer, one at a time; an index in memory holds the earliest pending entries (see due-index.ts),
 * rebuilt by rescanning the pending partition before it runs out.
 */
export class PartitionWorker {
  readonly partition: number
  #state: PartitionStats['state'] = 'opening'
  readonly #options: WorkerOptions
  readonly #deps: WorkerDeps
  readonly #producer: PartitionProducer
  readonly #lock = new Mutex()
  readonly #recent: RecentIds
  #index: DueIndex
  #journal: Journal | undefined
  #later = 0
  #lastScanAt: number | undefined
  #scanning: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  #releasing = false
  #scanEndedAt = 0
  #lastScanMs = 0
  #isCapacityBound = false
  #startOffset = 0n
  readonly #stateWaiters: Array<() => void> = []

  constructor (options: WorkerOptions, deps: WorkerDeps) {
    this.partition = options.partition
    this.#options = options
    this.#deps = deps
    this.#index = new DueIndex({ boundary: -Infinity, maxEntries: options.maxIndexed() })
    // As many recent ids as pending entries in memory: a duplicate or a late cancel is recognised from memory within that many releases, and from the markers in Kafka after.
    this.#recent = new RecentIds(Math.max(1000, options.maxIndexed()))
    this.#producer = new PartitionProducer(deps.kafka, { transactionalId: `${options.groupId}:${options.scheduledTopic}:${options.partition}`, transactionTimeoutMs: options.transactionTimeoutMs, partition: options.partition, faults: deps.faults })
  }

  get state (): PartitionStats['state'] { return this.#state }
  get isReady (): boolean { return this.#state === 'ready' }
  /** Records of the scheduled partition below this were taken over by an earlier owner. */
  get startOffset (): bigint { return this.#startOffset }

  /** Resolves true once ready, false once lost or closed. */
  async whenReady (): Promise<boolean> {
    while (this.#state === 'opening') await new Promise<void>((resolve) => this.#stateWaiters.push(resolve))
    return this.#state === 'ready'
  }

  #setState (state: PartitionStats['state']): void {
    this.#state = state
    for (const wake of this.#stateWaiters.splice(0)) wake()
  }

  /** Fences the previous owner, then reads the pending partition into memory. Throws when that fails (the worker is then lost). */
  async open (): Promise<void> {
    try {
      await this.#producer.connect()
      if (this.#state !== 'opening') { await this.#producer.disconnect(); return }
      // After the fence: nothing the previous owner wrote can still commit, so the committed offset and the partition are final.
      this.#startOffset = await this.#deps.committedOffset()
      await this.#scan()
    } catch (err) {
      this.#lose(err as Error)
      throw err
    }
    if (this.#state !== 'opening') return
    this.#setState('ready')
    this.#schedule(0)
  }

  stats (): PartitionStats {
    return {
      partition: this.partition,
      state: this.#state,
      indexed: this.#index.size,
      later: this.#later,
      next_due_at: this.#index.peek()?.sendAt ?? null,
      boundary: Number.isFinite(this.#index.boundary) ? this.#index.boundary : null,
      last_scan_at: this.#lastScanAt ?? null
    }
  }

  /** The request if it is pending in memory, or what became of it recently. */
  local (id: string): { state: 'pending', sendAt: number } | { state: 'released' | 'cancelled', at: number, sendAt: number } | undefined {
    const e = this.#index.get(id)
    if (e) return { state: 'pending', sendAt: e.sendAt }
    return this.#recent.get(id)
  }

  /** Takes the records of a fetched batch over: on return, they and their offset are committed (throws when the worker was lost). */
  async intake (messages: KafkaMessage[]): Promise<void> {
    for (const chunk of chunks(messages)) {
      const intakes = await Promise.all(chunk.map((m) => readIntake(this.#deps.codec, m, { topic: this.#options.scheduledTopic, partition: this.partition })))
      // Cancels of requests not in memory need the pending partition read first (outside the lock: releases go on).
      const looked = new Map<string, PendingRecord | undefined>()
      for (const it of intakes) {
        if (it.kind === 'cancel' && !this.#index.has(it.id) && !this.#recent.has(it.id)) looked.set(it.id, await this.lookup(it.id))
      }
      await this.#lock.runExclusive(async () => {
        this.#assertReady()
        const now = this.#options.clock()
        const records: OutRecord[] = []
        const effects: Array<() => void> = []
        const batch = new Map<string, PendingEntry | 'finished'>()
        for (let j = 0; j < chunk.length; j++) {
          const m = chunk[j]!
          const it = intakes[j]!
          const source = `${this.partition}:${m.offset}`
          if (it.kind === 'cancel') {
            const found = batch.get(it.id) ?? this.#index.get(it.id) ?? (this.#recent.has(it.id) ? 'finished' : undefined) ?? pendingOf(looked.get(it.id))
            if (found === undefined || found === 'finished') continue
            batch.set(it.id, 'finished')
            await this.#cancelRecords(found, now, records, effects)
            continue
          }
          if (batch.has(it.id) || this.#index.has(it.id) || this.#recent.has(it.id)) { effects.push(() => this.#deps.events.duplicate?.()); continue }
          const entry: PendingEntry = { id: it.id, sendAt: it.sendAt ?? now, key: m.key?.toString('utf8') ?? null, value: Buffer.from(m.value ?? Buffer.alloc(0)), headers: ownHeaders(m.headers), source }
          const refusal = it.sendAt === null ? undefined : tooFarAhead(it.sendAt, now)
          if (refusal && it.request) {
            records.push({ topic: this.#options.resultsTopic, key: it.request.phone_number_id, value: await this.#deps.codec.serialize(this.#options.resultsTopic, 'OutboundResult', schedulerResult({ id: it.id, request: it.request, status: 'failed', reason: refusal, now, sourceTopic: this.#options.scheduledTopic, source })) })
            batch.set(it.id, 'finished')
            effects.push(() => this.#deps.events.rejected?.())
          } else if (it.sendAt === null || it.sendAt <= now) {
            batch.set(it.id, 'finished')
            this.#releaseRecords([entry], now, records, effects)
          } else {
            batch.set(it.id, entry)
            records.push(pendingRecord(this.#options.pendingTopic, this.partition, entry))
            effects.push(() => this.#put(entry))
          }
        }
        const last = chunk[chunk.length - 1]!
        await this.#commit(records, { groupId: this.#options.groupId, topic: this.#options.scheduledTopic, partition: this.partition, offset: String(BigInt(last.offset) + 1n) })
        for (const effect of effects) effect()
      })
    }
    this.#schedule(0)
  }

  /** Cancels a pending request of this partition (the HTTP API on the owning instance). */
  async cancel (id: string): Promise<CancelOutcome> {
    const looked = this.#index.has(id) || this.#recent.has(id) ? undefined : await this.lookup(id)
    return await this.#lock.runExclusive(async () => {
      this.#assertReady()
      const finished = this.#recent.get(id)
      if (finished) return finished.state === 'released' ? 'released' : 'already_cancelled'
      const entry = this.#index.get(id) ?? pendingOf(looked)
      if (!entry) return looked?.state === 'released' ? 'released' : looked?.state === 'cancelled' ? 'already_cancelled' : 'not_found'
      const records: OutRecord[] = []
      const effects: Array<() => void> = []
      await this.#cancelRecords(entry, this.#options.clock(), records, effects)
      await this.#commit(records)
      for (const effect of effects) effect()
      return 'cancelled'
    })
  }

  /** The latest record of `id` in this pending partition (reads the whole partition: memory stays flat). */
  async lookup (id: string): Promise<PendingRecord | undefined> {
    let found: PendingRecord | undefined
    const end = await this.#deps.reader.end(this.partition)
    await this.#deps.reader.read(this.partition, 0n, end, (m) => {
      if (m.key?.toString('utf8') === id) found = readPendingRecord(m) ?? found
    })
    return found
  }

  /** Stops: no further transaction starts; the one under way finishes. */
  async close (): Promise<void> {
    if (this.#state === 'closed') return
    this.#setState('closed')
    if (this.#timer) clearTimeout(this.#timer)
    await this.#lock.runExclusive(() => {})
    await this.#producer.disconnect()
  }

  #assertReady (): void {
    if (this.#state !== 'ready') throw new Error(`partition ${this.partition} is not owned by this instance any more`)
  }

  async #commit (records: OutRecord[], offsets?: Parameters<PartitionProducer['commit']>[1]): Promise<void> {
    try {
      await this.#producer.commit(records, offsets)
    } catch (err) {
      // Fenced, or the outcome is unknown: only a new worker (fence, rescan, committed offset) knows the truth.
      this.#lose(err as Error)
      throw err
    }
  }

  #lose (err: Error): void {
    if (this.#state === 'lost' || this.#state === 'closed') return
    this.#setState('lost')
    if (this.#timer) clearTimeout(this.#timer)
    void this.#producer.disconnect()
    this.#deps.logger.warn({ err, partition: this.partition }, 'partition transaction failed: the partition is taken over again')
    this.#deps.onLost(err)
  }

  #put (entry: PendingEntry): void {
    this.#journal?.push({ put: entry })
    if (!this.#index.put(entry, this.#options.clock() + this.#options.horizonMs)) this.#later++
  }

  #finish (entry: PendingEntry, state: 'released' | 'cancelled', at: number): void {
    this.#journal?.push({ remove: entry.id })
    this.#index.remove(entry.id)
    this.#recent.add(entry.id, { state, at, sendAt: entry.sendAt })
  }

  #releaseRecords (entries: PendingEntry[], now: number, records: OutRecord[], effects: Array<() => void>): void {
    for (const e of entries) {
      records.push({ topic: this.#options.requestsTopic, key: e.key, value: e.value, headers: { ...e.headers, [RELEASED_HEADER]: String(now) } })
      records.push(markerRecord(this.#options.pendingTopic, this.partition, { id: e.id, state: 'released', at: now, sendAt: e.sendAt }))
    }
    effects.push(() => {
      for (const e of entries) this.#finish(e, 'released', now)
      this.#deps.events.released?.(entries.length, entries.map((e) => now - e.sendAt))
    })
  }

  async #cancelRecords (entry: PendingEntry, now: number, records: OutRecord[], effects: Array<() => void>): Promise<void> {
    const it = await readIntake(this.#deps.codec, { key: entry.key === null ? null : Buffer.from(entry.key), value: entry.value, headers: entry.headers, offset: entry.source.split(':')[1] ?? '0' }, { topic: this.#options.scheduledTopic, partition: this.partition })
    records.push(markerRecord(this.#options.pendingTopic, this.partition, { id: entry.id, state: 'cancelled', at: now, sendAt: entry.sendAt }))
    if (it.kind === 'request' && it.request) {
      const result = schedulerResult({ id: entry.id, request: it.request, status: 'cancelled', reason: 'cancelled before its send_at: never released, never sent', now, sourceTopic: this.#options.scheduledTopic, source: entry.source })
      records.push({ topic: this.#options.resultsTopic, key: it.request.phone_number_id, value: await this.#deps.codec.serialize(this.#options.resultsTopic, 'OutboundResult', result) })
    }
    effects.push(() => { this.#finish(entry, 'cancelled', now); this.#deps.events.cancelled?.() })
  }

  /** Runs the release loop again in `ms` at most (200 ms at most: the clock may be moved by hand). */
  #schedule (ms: number): void {
    if (this.#state !== 'ready') return
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { void this.#tick() }, Math.max(0, Math.min(ms, 200)))
  }

  async #tick (): Promise<void> {
    if (this.#state !== 'ready' || this.#releasing) return
    this.#releasing = true
    try {
      await this.#releaseDue()
      const now = this.#options.clock()
      if (this.#isScanDue(now)) {
        this.#scanning = this.#scan().catch((err: unknown) => this.#lose(err as Error)).finally(() => { this.#scanning = undefined })
      }
      const next = this.#index.peek()
      this.#schedule(next ? next.sendAt - this.#options.clock() : 200)
    } catch (err) {
      if (this.#state === 'ready') this.#lose(err as Error)
    } finally {
      this.#releasing = false
    }
  }

  async #releaseDue (): Promise<void> {
    for (;;) {
      const released = await this.#lock.runExclusive(async () => {
        if (this.#state !== 'ready') return 0
        const now = this.#options.clock()
        const due = this.#index.takeDue(now, this.#options.maxReleaseBatch, MAX_TXN_BYTES)
        if (due.length === 0) return 0
        const records: OutRecord[] = []
        const effects: Array<() => void> = []
        this.#releaseRecords(due, now, records, effects)
        await this.#commit(records)
        for (const effect of effects) effect()
        return due.length
      })
      if (released === 0) return
    }
  }

  /**
   * Reads the pending partition from its start up to its end now and adds the earliest entries due at
   * or after the index's boundary (those before it are all in memory already, which is what lets each
   * rescan make progress however many released entries the log still holds). Writes committed
   * meanwhile are in the journal and applied again on top (each sets its id's state, so applying some
   * twice, in order, gives the latest state). When the boundary moved during the read (a write lowered
   * it), the result is dropped and the next tick scans again.
   */
  async #scan (): Promise<void> {
    const startedAt = Date.now()
    const now = this.#options.clock()
    const floor = this.#index.boundary
    const maxEntries = this.#options.maxIndexed()
    const collector = new ScanCollector({ maxEntries: Math.max(1, maxEntries - this.#index.size), limit: now + this.#options.horizonMs, floor })
    const oldMarkers = new Map<string, bigint>()
    let records = 0
    let later = 0
    const isOpening = this.#state === 'opening'
    this.#journal = []
    try {
      const end = await this.#deps.reader.end(this.partition)
      await this.#deps.reader.read(this.partition, 0n, end, (m) => {
        records++
        const peek = peekPendingRecord(m)
        if (!peek?.state) return
        const { id, state, sendAt } = peek
        if (state === 'pending') {
          collector.offer(id, sendAt, () => toPendingEntry(m, id, sendAt))
          oldMarkers.delete(id)
          if (sendAt >= collector.boundary) later++
          return
        }
        collector.remove(id)
        if (state === 'gone') { oldMarkers.delete(id); return }
        const r = readPendingRecord(m)
        if (r?.state !== 'released' && r?.state !== 'cancelled') return
        if (r.at < now - this.#options.markerRetentionMs && oldMarkers.size < MAX_MARKER_TOMBSTONES) oldMarkers.set(id, r.offset)
        else {
          oldMarkers.delete(id)
          // A rescan's markers are this worker's own releases (already remembered): only taking over learns them.
          if (isOpening) this.#recent.add(id, { state: r.state, at: r.at, sendAt: r.sendAt })
        }
      })
      await this.#lock.runExclusive(async () => {
        if (this.#state !== 'opening' && this.#state !== 'ready') return
        for (const op of this.#journal ?? []) oldMarkers.delete('put' in op ? op.put.id : op.remove)
        this.#lastScanAt = now
        this.#scanEndedAt = Date.now()
        this.#lastScanMs = this.#scanEndedAt - startedAt
        if (this.#index.boundary !== floor) return
        const found = new Map<string, PendingEntry>()
        for (const e of collector.entries()) found.set(e.id, e)
        for (const op of this.#journal ?? []) {
          if ('remove' in op) found.delete(op.remove)
          else if (op.put.sendAt >= floor && op.put.sendAt < collector.boundary) found.set(op.put.id, op.put)
          else found.delete(op.put.id)
        }
        this.#journal = undefined
        const index = new DueIndex({ boundary: collector.boundary, maxEntries, entries: [...this.#index.entries(), ...found.values()] })
        this.#index = index
        this.#later = later
        this.#isCapacityBound = collector.evicted > 0
        if (oldMarkers.size > 0 && this.#state === 'ready') {
          // Markers past their retention, still the latest record of their id: tombstones let compaction drop them.
          const ids = [...oldMarkers.keys()]
          for (let i = 0; i < ids.length; i += MAX_INTAKE_RECORDS) {
            await this.#commit(ids.slice(i, i + MAX_INTAKE_RECORDS).map((id) => ({ topic: this.#options.pendingTopic, partition: this.partition, key: id, value: null })))
          }
        }
      })
      this.#deps.events.scanned?.(Date.now() - startedAt, records)
      this.#deps.logger.debug({ partition: this.partition, records, floor, indexed: this.#index.size, boundary: this.#index.boundary, ms: Date.now() - startedAt }, 'pending partition scanned')
    } finally {
      this.#journal = undefined
    }
  }

  /** Whether the index needs a rescan now: it runs out soon, or half of it went and more waits in Kafka, or markers wait for cleanup. */
  #isScanDue (now: number): boolean {
    if (this.#scanning || Date.now() - this.#scanEndedAt < MIN_SCAN_GAP_MS) return false
    const boundary = this.#index.boundary
    if (now - (this.#lastScanAt ?? 0) >= this.#options.horizonMs) return true
    if (!Number.isFinite(boundary)) return false
    // Bound by memory: scan again once half of it went (each scan then adds half an index), or when
    // the index would run out before a scan as long as the last one ends. Bound by the horizon: the lead.
    if (this.#isCapacityBound) return this.#index.size < this.#options.maxIndexed() / 2 || now + 2 * this.#lastScanMs + 1000 >= boundary
    return now + this.#options.rescanLeadMs >= boundary
  }
}

/** Consecutive runs of records small enough for one transaction (a partition's batch stays below max.message.bytes). */
function chunks (messages: KafkaMessage[]): KafkaMessage[][] {
  const out: KafkaMessage[][] = []
  let current: KafkaMessage[] = []
  let bytes = 0
  for (const m of messages) {
    const size = (m.value?.length ?? 0) + 200
    if (current.length > 0 && (current.length >= MAX_INTAKE_RECORDS || bytes + size > MAX_TXN_BYTES)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(m)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}

function pendingOf (r: PendingRecord | undefined): PendingEntry | undefined {
  return r?.state === 'pending' ? r.entry : undefined
}
