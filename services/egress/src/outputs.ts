import { toKafkaHeaders, type OutgoingRecord } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type DeadLetter, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import type { SourceRecord } from './request-decoder.ts'

export interface OutputTopics {
  results: string
  dlq: string
}

/** Room left in a dead letter for everything but the original value (reason, error, headers, overhead). */
const DEAD_LETTER_ROOM = 16 * 1024
/** Room kept below max.message.bytes for a record's headers and batch overhead. */
const RECORD_ROOM = 1024

/**
 * Builds egress's output records. Everything goes to the same partition number as the request it
 * is about (results and DLQ are co-partitioned with requests), written through that partition's
 * session (one transaction with the ledger events that go with it).
 */
export function createOutputs (codec: Codec, topics: OutputTopics, maxRecordBytes: number) {
  return {
    /**
     * A result never blocks its partition either: one whose echoed metadata (the producer's, of any
     * size) would take it past max.message.bytes carries a note instead of the metadata.
     */
    async result (partition: number, result: OutboundResult): Promise<OutgoingRecord> {
      let value = await codec.serialize(topics.results, 'OutboundResult', result)
      if (value.length > maxRecordBytes - RECORD_ROOM) {
        const size = Buffer.byteLength(JSON.stringify(result.metadata))
        value = await codec.serialize(topics.results, 'OutboundResult', {
          ...result,
          metadata: { wabridge_metadata_dropped: `${size} bytes of metadata did not fit the topic's max.message.bytes (${maxRecordBytes})` },
          business_usage_json: null,
          app_usage_json: null
        })
      }
      return {
        topic: topics.results,
        partition,
        key: result.phone_number_id,
        value,
        headers: toKafkaHeaders({
          eventId: result.request_id,
          contentType: contentTypeFor('OutboundResult'),
          schemaFingerprint: codec.fingerprintHex('OutboundResult'),
          extra: { 'result-status': result.status, ...(result.settlement && { 'result-kind': 'settlement' }) }
        })
      }
    },
    /**
     * A dead letter never blocks its partition: an original value that would take the record past
     * the topic's max.message.bytes is cut to fit, flagged, with its full size.
     */
    async deadLetter (partition: number, requestId: string, deadLetter: DeadLetter): Promise<OutgoingRecord> {
      const size = deadLetter.original_value.length
      const room = Math.max(0, maxRecordBytes - DEAD_LETTER_ROOM)
      const fitted: DeadLetter = size > room
        ? { ...deadLetter, original_value: deadLetter.original_value.subarray(0, room), original_truncated: true, original_size: size }
        : { ...deadLetter, original_truncated: false, original_size: size }
      return {
        topic: topics.dlq,
        partition,
        key: deadLetter.phone_number_id ?? '',
        value: await codec.serialize(topics.dlq, 'DeadLetter', fitted),
        headers: toKafkaHeaders({ eventId: requestId, contentType: contentTypeFor('DeadLetter'), schemaFingerprint: codec.fingerprintHex('DeadLetter') })
      }
    },
    /** The failed result and dead letter of a record that is not a valid request. */
    invalid (source: SourceRecord, reason: string, partial: Partial<OutboundRequest> | undefined, now: number): { requestId: string, result: OutboundResult, deadLetter: DeadLetter } {
      const requestId = partial?.request_id ?? `${source.topic}:${source.partition}:${source.offset}`
      const error = { code: null, subcode: null, message: reason, details: null, class: 'permanent' as const, fbtrace_id: null }
      const deadLetter: DeadLetter = {
        request_id: requestId,
        phone_number_id: partial?.phone_number_id ?? null,
        to: partial?.to ?? null,
        reason: `invalid request: ${reason}`,
        error,
        attempts: 0,
        failed_at: now,
        original_value: source.value ?? Buffer.alloc(0),
        original_content_type: source.contentType ?? null,
        source_topic: source.topic,
        source_partition: source.partition,
        source_offset: source.offset
      }
      const result: OutboundResult = {
        request_id: requestId,
        phone_number_id: partial?.phone_number_id ?? source.key?.toString('utf8') ?? '',
        to: partial?.to ?? '',
        status: 'failed',
        wamid: null,
        wa_id: null,
        message_status: null,
        error,
        attempts: 0,
        requested_at: partial?.created_at ?? null,
        first_attempt_at: null,
        completed_at: now,
        metadata: partial?.metadata ?? {},
        business_usage_json: null,
        app_usage_json: null,
        source_topic: source.topic,
        source_partition: source.partition,
        source_offset: source.offset,
        reason: null,
        settlement: null,
        message_type: null,
        window_open: null
      }
      return { requestId, result, deadLetter }
    }
  }
}

export type Outputs = ReturnType<typeof createOutputs>
