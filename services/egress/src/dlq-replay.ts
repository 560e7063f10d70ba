import { createHash } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import type { Admin, Kafka, Message, Producer, Transaction } from 'kafkajs'
import { connectFenced, ensureTopics, isFencingError, scanTopicToEnd, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type DeadLetter, type DeadLetterReplay, type OutboundRequest } from '@wabridge/schemas'
import { decodeRequest } from './request-decoder.ts'

export interface DeadLetterFilter {
  phoneNumberId?: string
  /** Meta error code of the last error. */
  code?: number
  /** failed_at ≥ since (epoch ms). */
  since?: number
  /** failed_at < until (epoch ms). */
  until?: number
}

export function matches (letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.phoneNumberId !== undefined && letter.phone_number_id !== filter.phoneNumberId) return false
  if (filter.code !== undefined && letter.error?.code !== filter.code) return false
  if (filter.since !== undefined && letter.failed_at < filter.since) return false
  if (filter.until !== undefined && letter.failed_at >= filter.until) return false
  return true
}

/**
 * Reads the DLQ topic from its start up to its end as of now (records added meanwhile are left
 * for the next run) and calls `visit` for each dead letter that matches the filter, until `until`:
 * a number of matching letters, or a check made after each visit.
 */
export async function scanDeadLetters (kafka: Kafka, codec: Codec, dlqTopic: string, filter: DeadLetterFilter, visit: (letter: DeadLetter) => Promise<void> | void, until: number | (() => boolean) = Infinity): Promise<{ scanned: number, matched: number }> {
  let matched = 0
  if (until === 0) return { scanned: 0, matched }
  const isDone = typeof until === 'number' ? () => matched >= until : until
  // Each dead letter is visited once, even when the scan's group drops and takes it back: a replay visited twice would send twice.
  const scanned = await scanTopicToEnd(kafka, dlqTopic, async (message) => {
    if (message.value === null) return
    const letter = (await codec.deserialize(message.value, 'DeadLetter')).value
    if (matches(letter, filter)) { matched++; await visit(letter) }
  }, { groupIdPrefix: 'wabridge-dlq-scan', isDone })
  return { scanned, matched }
}

/** user@host of this process, or null when the system cannot say (no passwd entry). */
function thisUser (): string | null {
  try { return `${userInfo().username}@${hostname()}` } catch { return null }
}

/** The replay log: which dead letters were replayed, as which request (compacted, one partition). */
export const dlqReplaysTopic = (prefix: string) => `${prefix}.outbound.dlq.replays`
export const DLQ_REPLAYS_TOPIC_CONFIGS = { 'cleanup.policy': 'compact' } as const
/** Most replays committed in one Kafka transaction, and most bytes of requests in it (well under a batch's 1 MiB default). */
const REPLAYS_PER_TRANSACTION = 100
const MAX_TRANSACTION_BYTES = 512 * 1024
const MAX_REQUEST_ID_LENGTH = 128

/** A dead letter's key in the replay log: the position of the request that died. */
export function deadLetterKey (letter: Pick<DeadLetter, 'source_topic' | 'source_partition' | 'source_offset'>): string {
  return `${letter.source_topic}/${letter.source_partition}/${letter.source_offset}`
}

/**
 * The request id of a dead letter's replay: the first request's id (a replay's own `~replay-…`
 * suffix dropped) with `~replay-<partition>-<offset>` of the request that died, and `-<n>` for a
 * replay asked again. The same letter always gives the same id, so egress skips a replay produced
 * twice (EGRESS_DEDUP_WINDOW_MS); an id that would pass 128 characters keeps a hash of its start.
 */
export function replayRequestId (originalRequestId: string, letter: Pick<DeadLetter, 'source_partition' | 'source_offset'>, replays = 1): string {
  const base = originalRequestId.replace(/~replay-\d+(-\d+)*$/, '')
  const suffix = `~replay-${letter.source_partition}-${letter.source_offset}${replays > 1 ? `-${replays}` : ''}`
  if (base.length + suffix.length <= MAX_REQUEST_ID_LENGTH) return base + suffix
  const digest = createHash('sha256').update(base).digest('hex').slice(0, 16)
  return `${base.slice(0, MAX_REQUEST_ID_LENGTH - suffix.length - digest.length - 1)}-${digest}${suffix}`
}

/**
 * The request a dead letter came from, as a new request: its replay request id (egress would skip
 * the old one, which has its final result) and `replay_of` in its metadata.
 */
export async function toReplayRequest (codec: Codec, letter: DeadLetter, replays = 1): Promise<OutboundRequest | undefined> {
  // Cut to fit the topic: the original is not all there.
  if (letter.original_truncated === true) return undefined
  const decoded = await decodeRequest(codec, {
    topic: letter.source_topic,
    partition: letter.source_partition,
    offset: letter.source_offset,
    key: letter.phone_number_id === null ? null : Buffer.from(letter.phone_number_id),
    value: letter.original_value,
    contentType: letter.original_content_type ?? undefined
  })
  if (!decoded.ok) return undefined
  const original = decoded.request
  return {
    ...original.record,
    request_id: replayRequestId(original.requestId, letter, replays),
    metadata: { ...original.record.metadata, replay_of: original.requestId }
  }
}

/**
 * The replay log as of now: each replayed dead letter's latest entry, by deadLetterKey. Empty when
 * the log's topic does not exist (nothing was ever replayed). Read committed: a replay's entry
 * counts once its request does.
 */
export async function readReplayLog (kafka: Kafka, codec: Codec, prefix: string, admin?: Admin): Promise<Map<string, DeadLetterReplay>> {
  const topic = dlqReplaysTopic(prefix)
  const entries = new Map<string, DeadLetterReplay>()
  const own = admin === undefined
  const a = admin ?? kafka.admin()
  try {
    if (own) await a.connect()
    if (!(await a.listTopics()).includes(topic)) return entries
    await scanTopicToEnd(kafka, topic, async (message) => {
      if (message.key === null) return
      if (message.value === null) { entries.delete(message.key.toString()); return }
      entries.set(message.key.toString(), (await codec.deserialize(message.value, 'DeadLetterReplay')).value)
    }, { groupIdPrefix: 'wabridge-dlq-replays', admin: a })
    return entries
  } finally {
    if (own) await a.disconnect().catch(() => {})
  }
}

export interface ReplayOptions {
  /** TOPIC_PREFIX: the DLQ, requests and replay-log topics, and the replay's transactional id. */
  prefix: string
  filter: DeadLetterFilter
  /** Most dead letters to replay (those replayed before and skipped do not count). */
  limit?: number
  /** Count what would be replayed; write nothing. */
  dryRun?: boolean
  /** Replay matching letters that were replayed before too, once more each. */
  again?: boolean
  /** Who replays, for the replay log. Default this process's user@host (null when the system cannot say). */
  replayedBy?: string | null
  clock?: () => number
  /** For the replay log's topic when it does not exist yet (default: ensureTopics' automatic factor). */
  replicationFactor?: number
}

export interface ReplayOutcome {
  scanned: number
  matched: number
  /** Replayed (committed; with dryRun, would be). */
  replayed: number
  /** Matching letters the replay log shows as replayed before, skipped (without `again`). */
  alreadyReplayed: number
  /** Matching letters that were never valid requests (or were cut to fit the topic). */
  unreplayable: string[]
}

/** A replay that failed part-way: what it had committed is in `outcome`, and the log keeps it from being replayed twice. */
export class ReplayInterruptedError extends Error {
  readonly outcome: ReplayOutcome
  constructor (message: string, outcome: ReplayOutcome, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ReplayInterruptedError'
    this.outcome = outcome
  }
}

/**
 * Replays the matching dead letters to the requests topic, each once: every replay commits its new
 * request and a DeadLetterReplay record (the replay log, `dlqReplaysTopic`) in one Kafka
 * transaction, and a run skips the letters the log shows as replayed (unless `again`). Runs
 * exclude each other: each starts its transactional producer (one id per prefix) before reading the
 * log, which fences an earlier run still going (its open transaction is aborted, nothing it writes
 * after counts), so the log it reads is complete. A run stopped part-way (crash, Ctrl-C, a broker
 * error) loses nothing and duplicates nothing: run it again.
 */
export async function replayDeadLetters (kafka: Kafka, codec: Codec, options: ReplayOptions): Promise<ReplayOutcome> {
  const topics = topicNames(options.prefix)
  const logTopic = dlqReplaysTopic(options.prefix)
  const clock = options.clock ?? Date.now
  const replayedBy = options.replayedBy !== undefined ? options.replayedBy : thisUser()
  const limit = options.limit ?? Infinity
  const outcome: ReplayOutcome = { scanned: 0, matched: 0, replayed: 0, alreadyReplayed: 0, unreplayable: [] }
  if (limit <= 0) return outcome
  const admin = kafka.admin()
  await admin.connect()
  let producer: Producer | undefined
  // The replays of the next transaction: each letter's new request and its log entry, written and committed together.
  let requests: Message[] = []
  let entries: Message[] = []
  let bytes = 0
  let txn: Transaction | undefined
  const commit = async () => {
    if (requests.length === 0 || !producer) return
    txn = await producer.transaction()
    await txn.sendBatch({ acks: -1, topicMessages: [{ topic: topics.outboundRequests, messages: requests }, { topic: logTopic, messages: entries }] })
    await txn.commit()
    txn = undefined
    outcome.replayed += requests.length
    requests = []
    entries = []
    bytes = 0
  }
  try {
    if (options.dryRun !== true) {
      await ensureTopics(admin, { prefix: options.prefix, partitions: 1, only: [], extra: [{ topic: logTopic, partitions: 1, configs: { ...DLQ_REPLAYS_TOPIC_CONFIGS } }], ...(options.replicationFactor !== undefined && { replicationFactor: options.replicationFactor }) })
      producer = kafka.producer({ transactionalId: `${options.prefix}.dlq-replay`, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
      // Before reading the log: an earlier run still writing is fenced, so nothing it commits comes after our reading.
      await connectFenced(producer)
    }
    const replayedBefore = await readReplayLog(kafka, codec, options.prefix, admin)
    // A request's dead letter found twice in the DLQ (a copy) is replayed once per run, --again included.
    const thisRun = new Set<string>()
    const counts = await scanDeadLetters(kafka, codec, topics.outboundDlq, options.filter, async (letter) => {
      const key = deadLetterKey(letter)
      const before = replayedBefore.get(key)
      if ((before && options.again !== true) || thisRun.has(key)) { outcome.alreadyReplayed++; return }
      thisRun.add(key)
      const replays = (before?.replays ?? 0) + 1
      const request = await toReplayRequest(codec, letter, replays)
      if (!request) { outcome.unreplayable.push(letter.request_id ?? `${letter.source_partition}:${letter.source_offset}`); return }
      if (!producer) { outcome.replayed++; return }
      const entry: DeadLetterReplay = {
        source_topic: letter.source_topic,
        source_partition: letter.source_partition,
        source_offset: letter.source_offset,
        original_request_id: letter.request_id,
        request_id: request.request_id!,
        replays,
        replayed_at: clock(),
        replayed_by: replayedBy
      }
      const value = await codec.serialize(topics.outboundRequests, 'OutboundRequest', request)
      // A large request starts a transaction of its own rather than make a record batch too large.
      if (requests.length > 0 && bytes + value.length > MAX_TRANSACTION_BYTES) await commit()
      requests.push({ key: request.phone_number_id, value, headers: toKafkaHeaders({ eventId: request.request_id ?? undefined, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: codec.fingerprintHex('OutboundRequest') }) })
      entries.push({ key, value: await codec.serialize(logTopic, 'DeadLetterReplay', entry), headers: toKafkaHeaders({ contentType: contentTypeFor('DeadLetterReplay'), schemaFingerprint: codec.fingerprintHex('DeadLetterReplay') }) })
      bytes += value.length
      if (requests.length >= REPLAYS_PER_TRANSACTION) await commit()
    }, () => outcome.replayed + requests.length >= limit)
    outcome.scanned = counts.scanned
    outcome.matched = counts.matched
    await commit()
    return outcome
  } catch (err) {
    const uncommitted = requests.length
    await txn?.abort().catch(() => {})
    const why = isFencingError(err) ? 'another replay started and took over (this one was fenced)' : (err as Error).message
    throw new ReplayInterruptedError(`the replay stopped: ${why}. ${outcome.replayed} dead letters were replayed and committed before` +
      (uncommitted > 0 ? `; ${uncommitted} more were not committed${txn ? ' (or their commit was not confirmed)' : ''}` : '') +
      '. Run it again: what the replay log shows as replayed is skipped.', outcome, { cause: err })
  } finally {
    await producer?.disconnect().catch(() => {})
    await admin.disconnect().catch(() => {})
  }
}

/** The one line a replay command prints. */
export function formatReplayOutcome (out: ReplayOutcome, dryRun: boolean): string {
  return `${dryRun ? 'would replay' : 'replayed'} ${out.replayed} of ${out.matched} matching dead letters (${out.scanned} scanned)` +
    (out.alreadyReplayed > 0 ? `; ${out.alreadyReplayed} replayed before, skipped (--again replays them once more)` : '') +
    (out.unreplayable.length > 0 ? `; not replayable (never valid requests, or cut to fit the topic): ${out.unreplayable.join(', ')}` : '')
}

/**
 * A dead letter as `dlq list` prints it: its fields without the original bytes (their size
 * instead), and `replayed` (the replay log's entry: new request id, times, when, by whom) or null.
 */
export function listedLetter (letter: DeadLetter, replays: ReadonlyMap<string, DeadLetterReplay>): Record<string, unknown> {
  const { original_value: original, ...rest } = letter
  const entry = replays.get(deadLetterKey(letter))
  return {
    ...rest,
    original_value_bytes: original.length,
    replayed: entry ? { request_id: entry.request_id, replays: entry.replays, replayed_at: new Date(entry.replayed_at).toISOString(), replayed_by: entry.replayed_by } : null
  }
}
