import { randomUUID } from 'node:crypto'
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs'
import { toKafkaHeaders } from '@wabridge/kafka'
import { contentTypeFor, type Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { RestoreReader } from './restore-reader.ts'
import { changelogKey, type Source } from '../state/keys.ts'
import { createPartitionState, takeSnapshot, type PartitionState, type Snapshot } from '../state/partition-state.ts'

export interface OwnedPartitionOptions {
  source: Source
  /** Input topic and partition. */
  topic: string
  partition: number
  changelogTopic: string
  changelogPartition: number
  alertsTopic: string
  /** Consumer group whose offsets each flush commits. */
  groupId: string
  /** Stable per input partition, so a new owner fences the old one. */
  transactionalId: string
  transactionTimeoutMs: number
}

export interface OwnedPartitionDeps {
  kafka: Kafka
  reader: RestoreReader
  codec: Codec
  logger: Logger
  /** Called after each committed flush (Prometheus counters, flush metrics). */
  onFlushed?: (result: { snapshot: Snapshot, state: PartitionState, durationMs: number, ok: boolean }) => void
}

export interface OwnedPartition {
  readonly options: OwnedPartitionOptions
  /** The state, once restored; undefined while restoring or after a failed flush. */
  readonly state: PartitionState | undefined
  /** True after a restore until the consumer position has been checked against the state's offset. */
  needsSeek: boolean
  /** Restores the state (once per loss of it) and returns it. Retries until restored or released. */
  ready(): Promise<PartitionState>
  /** Commits what changed since the last flush, with the input offset, in one transaction. */
  flush(): Promise<void>
  /** Stops owning the partition (after a rebalance or on stop). Idempotent. */
  release(): Promise<void>
}

const RETRY_MS = 1000
const CHUNK = 2000

/**
 * One input partition owned by this instance. Restore: a transactional producer with the
 * partition's stable transactional id (which fences any previous owner), a barrier record
 * committed to the changelog, then the partition's entries read from its changelog partition up to
 * that barrier (restore-reader.ts): everything any owner committed. Flush: changelog entries, alert records and the input
 * offset in one transaction. Any failure drops the in-memory state and restores it again, so the
 * state is always a committed one plus records folded after it.
 */
export function createOwnedPartition (options: OwnedPartitionOptions, deps: OwnedPartitionDeps): OwnedPartition {
  const { source, partition } = options
  let state: PartitionState | undefined
  let producer: Producer | undefined
  let restoring: Promise<PartitionState> | undefined
  let flushing: Promise<void> | undefined
  let released = false
  let restoreAbort: AbortController | undefined
  const log = deps.logger.child({ topic: options.topic, partition })

  async function dropProducer (): Promise<void> {
    const p = producer
    producer = undefined
    await p?.disconnect().catch(() => {})
  }

  async function restoreOnce (): Promise<PartitionState> {
    await dropProducer()
    producer = deps.kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: options.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner
    })
    await producer.connect()
    const nonce = randomUUID()
    const tx = await producer.transaction()
    try {
      await tx.send({ topic: options.changelogTopic, messages: [{ key: changelogKey(source, partition, '~'), value: nonce, partition: options.changelogPartition }] })
      await tx.commit()
    } catch (err) {
      await tx.abort().catch(() => {})
      throw err
    }
    const abort = new AbortController()
    restoreAbort = abort
    try {
      const table = await deps.reader.read({ source, partition, changelogPartition: options.changelogPartition, nonce }, abort.signal)
      return createPartitionState(source, partition, table)
    } finally {
      restoreAbort = undefined
    }
  }

  async function restore (): Promise<PartitionState> {
    const isReleased = () => released
    while (!isReleased()) {
      try {
        const restored = await restoreOnce()
        if (released) break
        state = restored
        log.debug({ nextOffset: String(restored.nextOffset) }, 'partition state restored')
        return restored
      } catch (err) {
        log.warn({ err }, 'partition restore failed; retrying')
        await dropProducer()
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      }
    }
    throw new Error('partition released')
  }

  async function flushOnce (current: PartitionState, tx: Producer): Promise<void> {
    const snapshot = takeSnapshot(current)
    if (snapshot.writes.length === 0 && snapshot.alerts.length === 0) return
    const started = Date.now()
    try {
      const alertMessages: Message[] = await Promise.all(snapshot.alerts.map(async (a) => ({
        key: `${a.name}:${a.scope}`,
        value: await deps.codec.serialize(options.alertsTopic, 'Alert', a),
        headers: toKafkaHeaders({ eventId: `${a.alert_id}:${a.state}`, contentType: contentTypeFor('Alert'), schemaFingerprint: deps.codec.fingerprintHex('Alert') })
      })))
      const transaction = await tx.transaction()
      try {
        for (let i = 0; i < snapshot.writes.length; i += CHUNK) {
          const messages = snapshot.writes.slice(i, i + CHUNK).map((w) => ({ key: changelogKey(source, partition, w.rest), value: w.value, partition: options.changelogPartition }))
          await transaction.send({ topic: options.changelogTopic, messages })
        }
        if (alertMessages.length > 0) await transaction.send({ topic: options.alertsTopic, messages: alertMessages })
        if (snapshot.nextOffset !== null) {
          await transaction.sendOffsets({ consumerGroupId: options.groupId, topics: [{ topic: options.topic, partitions: [{ partition, offset: snapshot.nextOffset }] }] })
        }
        await transaction.commit()
      } catch (err) {
        await transaction.abort().catch(() => {})
        throw err
      }
      deps.onFlushed?.({ snapshot, state: current, durationMs: Date.now() - started, ok: true })
    } catch (err) {
      deps.onFlushed?.({ snapshot, state: current, durationMs: Date.now() - started, ok: false })
      log.warn({ err }, 'flush failed; the partition state will be restored from the changelog')
      if (state === current) await reset()
    }
  }

  async function reset (): Promise<void> {
    state = undefined
    await dropProducer()
  }

  return {
    options,
    get state () { return state },
    needsSeek: true,
    ready () {
      if (state) return Promise.resolve(state)
      if (released) return Promise.reject(new Error('partition released'))
      if (!restoring) {
        this.needsSeek = true
        restoring = restore().finally(() => { restoring = undefined })
      }
      return restoring
    },
    flush () {
      if (flushing) return flushing
      const current = state
      const tx = producer
      if (!current || !tx || released) return Promise.resolve()
      flushing = flushOnce(current, tx).finally(() => { flushing = undefined })
      return flushing
    },
    async release () {
      if (released) return
      released = true
      state = undefined
      restoreAbort?.abort()
      await flushing?.catch(() => {})
      await dropProducer()
    }
  }
}
