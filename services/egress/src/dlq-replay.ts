import type { Kafka } from 'kafkajs'
import { scanTopicToEnd, toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type DeadLetter, type OutboundRequest } from '@wabridge/schemas'
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
 * for the next run) and calls `visit` for each dead letter that matches the filter.
 */
export async function scanDeadLetters (kafka: Kafka, codec: Codec, dlqTopic: string, filter: DeadLetterFilter, visit: (letter: DeadLetter) => Promise<void> | void, limit = Infinity): Promise<{ scanned: number, matched: number }> {
  let matched = 0
  if (limit <= 0) return { scanned: 0, matched }
  // Each dead letter is visited once, even when the scan's group drops and takes it back: a replay visited twice would send twice.
  const scanned = await scanTopicToEnd(kafka, dlqTopic, async (message) => {
    if (message.value === null) return
    const letter = (await codec.deserialize(message.value, 'DeadLetter')).value
    if (matches(letter, filter)) { matched++; await visit(letter) }
  }, { groupIdPrefix: 'wabridge-dlq-scan', isDone: () => matched >= limit })
  return { scanned, matched }
}

/**
 * The request a dead letter came from, as a new request: a fresh request_id (the old one already
 * has its final result, so egress would skip it) and `replay_of` in its metadata.
 */
export async function toReplayRequest (codec: Codec, letter: DeadLetter, now = Date.now()): Promise<OutboundRequest | undefined> {
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
    request_id: `${original.requestId}~replay-${now}`,
    metadata: { ...original.record.metadata, replay_of: original.requestId }
  }
}

/** Replays the matching dead letters to the requests topic; returns what it did. */
export async function replayDeadLetters (kafka: Kafka, codec: Codec, producer: WabridgeProducer, options: { dlqTopic: string, requestsTopic: string, filter: DeadLetterFilter, limit?: number, dryRun?: boolean }) {
  let replayed = 0
  const unreplayable: string[] = []
  const counts = await scanDeadLetters(kafka, codec, options.dlqTopic, options.filter, async (letter) => {
    const request = await toReplayRequest(codec, letter)
    if (!request) { unreplayable.push(letter.request_id ?? `${letter.source_partition}:${letter.source_offset}`); return }
    if (!options.dryRun) {
      await producer.send([{
        topic: options.requestsTopic,
        key: request.phone_number_id,
        value: await codec.serialize(options.requestsTopic, 'OutboundRequest', request),
        headers: toKafkaHeaders({ eventId: request.request_id ?? undefined, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: codec.fingerprintHex('OutboundRequest') })
      }])
    }
    replayed++
  }, options.limit)
  return { ...counts, replayed, unreplayable }
}
