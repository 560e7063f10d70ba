import type { EachBatchPayload, Kafka } from 'kafkajs'
import type { Codec, DecodedRecord } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { foldRecord } from '../fold/fold-record.ts'
import type { RestoreReader } from '../changelog/restore-reader.ts'
import type { NumberInfo } from '../alerts/context.ts'
import { tpKey, type Source } from '../state/keys.ts'
import { createOwnedPartition, type OwnedPartition } from '../changelog/owned-partition.ts'
import { advance, type PartitionState } from '../state/partition-state.ts'
import type { Instruments } from '../instruments.ts'
import { decodeRecord, numberInfoOf, timeOf } from '../fold/decode.ts'

export interface ProcessorOptions {
  groupId: string
  /** Input topic of each source. */
  topics: Record<Source, string>
  changelogTopic: string
  changelogPartitions: number
  alertsTopic: string
  transactionTimeoutMs: number
  /** Flush a partition early once this many entries changed. */
  flushMaxRecords: number
}

export interface ProcessorDeps {
  kafka: Kafka
  reader: RestoreReader
  codec: Codec
  logger: Logger
  instruments?: Instruments
  /** WABA and display number of a phone number, for numbers the partition itself does not know. */
  numberInfo?: (phoneNumberId: string) => NumberInfo | undefined
  /** Repositions the input consumer (kafkajs consumer.seek). */
  seek(topic: string, partition: number, offset: string): void
}

export interface Processor {
  /** The group's assignment changed: restore new partitions, let go of lost ones. */
  onAssignment(assignment: Record<string, number[]>): void
  eachBatch(payload: EachBatchPayload): Promise<void>
  /** Owned partitions (restored or not). */
  partitions(): OwnedPartition[]
  /** Stops folding and waits for batches in progress (bounded by the caller). */
  drain(): Promise<void>
  /** Releases every partition. Idempotent. */
  stop(): Promise<void>
}

const HEARTBEAT_EVERY = 500

/**
 * The input side: owns partitions as the group assigns them, folds each batch into its
 * partition's state (skipping offsets the state already holds, so redelivery after a rebalance or
 * restore is harmless) and asks for an early flush when a partition has much to write.
 */
export function createProcessor (options: ProcessorOptions, deps: ProcessorDeps): Processor {
  const sourceOf = new Map(Object.entries(options.topics).map(([s, t]) => [t, s as Source]))
  const owned = new Map<string, OwnedPartition>()
  const log = deps.logger
  let draining = false
  /** The last assignment (undefined until the first group join). */
  let assigned: Set<string> | undefined
  let inFlight = 0
  let idle: (() => void) | undefined

  function adopt (source: Source, partition: number): OwnedPartition {
    const key = tpKey(source, partition)
    let part = owned.get(key)
    if (part) return part
    const topic = options.topics[source]
    part = createOwnedPartition({
      source,
      topic,
      partition,
      changelogTopic: options.changelogTopic,
      changelogPartition: partition % options.changelogPartitions,
      alertsTopic: options.alertsTopic,
      groupId: options.groupId,
      transactionalId: `${options.groupId}.${topic}.${partition}`,
      transactionTimeoutMs: options.transactionTimeoutMs
    }, {
      kafka: deps.kafka,
      reader: deps.reader,
      codec: deps.codec,
      logger: log,
      onFlushed: ({ snapshot, state, durationMs, ok }) => {
        deps.instruments?.recordFlush(durationMs, snapshot.writes.length + snapshot.alerts.length, ok)
        if (ok) deps.instruments?.recordCommitted(snapshot.deltas, (pn) => numberInfoOf(state, pn) ?? deps.numberInfo?.(pn))
      }
    })
    owned.set(key, part)
    return part
  }

  /** Kinds of bad record already logged (`{topic}|{reason}`): each is logged once, then only counted. */
  const logged = new Set<string>()

  /** A record that cannot be decoded or folded is counted, logged once per kind with where it is, and skipped (never retried forever). */
  function skipBad (topic: string, partition: number, offset: string, reason: 'undecodable' | 'unfoldable', err?: unknown): void {
    deps.instruments?.recordInvalid(topic, reason)
    const kind = `${topic}|${reason}`
    if (logged.has(kind)) return
    logged.add(kind)
    log.error({ err, topic, partition, offset, reason }, `${reason === 'undecodable' ? 'a record could not be decoded' : 'a record could not be folded'}; skipped (further ones of this kind are only counted: wabridge.metrics.invalid_records)`)
  }

  function foldSafely (state: PartitionState, record: DecodedRecord, topic: string, partition: number, offset: string): void {
    try {
      foldRecord(state, record)
    } catch (err) {
      skipBad(topic, partition, offset, 'unfoldable', err)
    }
  }

  async function waitReady (part: OwnedPartition, heartbeat: () => Promise<void>): Promise<PartitionState | undefined> {
    const ready = part.ready()
    ready.catch(() => {})
    for (;;) {
      const state = await Promise.race([ready, new Promise<undefined>((resolve) => setTimeout(resolve, 1000, undefined))]).catch(() => undefined)
      if (state) return state
      if (draining || !owned.has(tpKey(part.options.source, part.options.partition))) return undefined
      await heartbeat()
    }
  }

  async function fold (payload: EachBatchPayload, source: Source): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload
    // A late batch of a partition the last assignment took away must not restore it: that would fence its new owner.
    if (assigned && !assigned.has(tpKey(source, batch.partition))) return
    const part = adopt(source, batch.partition)
    const state = await waitReady(part, heartbeat)
    if (!state || draining) return
    const first = batch.messages[0]
    if (part.needsSeek && first) {
      part.needsSeek = false
      if (state.nextOffset !== null && BigInt(first.offset) > state.nextOffset) {
        // Our consumer is ahead of the restored state (it had folded records whose flush failed): go back.
        deps.seek(batch.topic, batch.partition, String(state.nextOffset))
        return
      }
    }
    const started = Date.now()
    let folded = 0
    let n = 0
    // kafkajs answers isStale and takes resolveOffset through Long and Map lookups: asked once per
    // chunk, not per record. Nothing seeks this partition while its batch folds (seeks happen only
    // above, before folding), so a chunk's records are all still wanted.
    let resolved: string | undefined
    let last: string | undefined
    const stopped = () => !isRunning() || isStale() || draining || part.state !== state
    if (stopped()) return
    for (const m of batch.messages) {
      const offset = BigInt(m.offset)
      if (state.nextOffset === null || offset >= state.nextOffset) {
        const decoded = decodeRecord(deps.codec, source, m.value)
        const record = decoded instanceof Promise ? await decoded : decoded
        if (part.state !== state) break
        if (record) foldSafely(state, record, batch.topic, batch.partition, m.offset)
        else skipBad(batch.topic, batch.partition, m.offset, 'undecodable')
        advance(state, offset, (record && timeOf(record)) ?? state.streamTime)
        folded++
      }
      last = m.offset
      if (++n % HEARTBEAT_EVERY === 0) {
        resolveOffset(last)
        resolved = last
        await heartbeat()
        if (stopped()) break
        // Backpressure: a partition far ahead of its flushes waits for one.
        if (state.dirty.size + state.dirtySeen.size >= options.flushMaxRecords * 2) await part.flush()
        if (stopped()) break
      }
    }
    if (last !== undefined && last !== resolved) resolveOffset(last)
    deps.instruments?.recordConsumed(batch.topic, batch.partition, folded, Date.now() - started)
    if (state.dirty.size + state.dirtySeen.size >= options.flushMaxRecords) void part.flush()
  }

  return {
    onAssignment (assignment) {
      const next = new Set<string>()
      for (const [topic, partitions] of Object.entries(assignment)) {
        const source = sourceOf.get(topic)
        if (source) for (const p of partitions) next.add(tpKey(source, p))
      }
      assigned = next
      for (const [key, part] of owned) {
        if (next.has(key)) continue
        owned.delete(key)
        void part.release()
      }
      for (const key of next) {
        const [source, p] = key.split('/') as [Source, string]
        adopt(source, Number(p)).ready().catch(() => {})
      }
      log.info({ partitions: [...next].sort() }, 'assignment')
    },
    async eachBatch (payload) {
      const source = sourceOf.get(payload.batch.topic)
      if (!source || draining) return
      inFlight++
      try {
        await fold(payload, source)
      } finally {
        if (--inFlight === 0) idle?.()
      }
    },
    partitions: () => [...owned.values()],
    async drain () {
      draining = true
      if (inFlight > 0) await new Promise<void>((resolve) => { idle = resolve })
    },
    async stop () {
      draining = true
      const parts = [...owned.values()]
      owned.clear()
      await Promise.all(parts.map((p) => p.release()))
    }
  }
}
