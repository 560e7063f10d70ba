import { toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type DeadLetter, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import type { Ledger } from './ledger.ts'
import type { SourceRecord } from './request-decoder.ts'

/** Headers of attempt markers (besides event-id = request id). */
export const ATTEMPT_HEADERS = { state: 'attempt-state', attempt: 'attempt', instance: 'instance' } as const

export interface OutputTopics {
  results: string
  dlq: string
  attempts: string
}

export interface Outputs {
  /** Durably records that attempt `attempt` of a request is about to leave (or provably did not). */
  attempt(partition: number, key: string, requestId: string, attempt: number, state: 'started' | 'not-sent'): Promise<void>
  /** Durably writes the request's one final result (and its dead letter, when given), then notes it in the ledger. */
  final(partition: number, result: OutboundResult, deadLetter?: DeadLetter): Promise<void>
  /** A record that is not a valid request: a failed result (when it names a number) and a dead letter with the reason. */
  invalid(source: SourceRecord, reason: string, partial?: Partial<OutboundRequest>): Promise<void>
}

/**
 * Writes egress's records. Everything goes to the same partition number as the request it is
 * about (results, DLQ and attempts are co-partitioned with requests), so the ledger of a
 * partition is complete in the same partition of the other topics.
 */
export function createOutputs (producer: WabridgeProducer, codec: Codec, ledger: Ledger, topics: OutputTopics, instance: string): Outputs {
  const outputs: Outputs = {
    async attempt (partition, key, requestId, attempt, state) {
      await producer.send([{
        topic: topics.attempts,
        partition,
        key,
        value: JSON.stringify({ request_id: requestId, attempt, state, instance, at: Date.now() }),
        headers: toKafkaHeaders({
          eventId: requestId,
          contentType: 'application/json',
          extra: { [ATTEMPT_HEADERS.state]: state, [ATTEMPT_HEADERS.attempt]: String(attempt), [ATTEMPT_HEADERS.instance]: instance }
        })
      }])
      ledger.apply(partition, { kind: 'attempt', requestId, attempt, state, instance })
    },
    async final (partition, result, deadLetter) {
      const records = [{
        topic: topics.results,
        partition,
        key: result.phone_number_id,
        value: await codec.serialize(topics.results, 'OutboundResult', result),
        headers: toKafkaHeaders({ eventId: result.request_id, contentType: contentTypeFor('OutboundResult'), schemaFingerprint: codec.fingerprintHex('OutboundResult') })
      }]
      if (deadLetter) {
        records.push({
          topic: topics.dlq,
          partition,
          key: deadLetter.phone_number_id ?? result.phone_number_id,
          value: await codec.serialize(topics.dlq, 'DeadLetter', deadLetter),
          headers: toKafkaHeaders({ eventId: result.request_id, contentType: contentTypeFor('DeadLetter'), schemaFingerprint: codec.fingerprintHex('DeadLetter') })
        })
      }
      await producer.send(records)
      ledger.apply(partition, { kind: 'result', requestId: result.request_id })
    },
    async invalid (source, reason, partial) {
      const requestId = partial?.request_id ?? `${source.topic}:${source.partition}:${source.offset}`
      // A redelivered invalid record already got its result.
      if (ledger.get(source.partition, requestId)?.final) return
      const error = { code: null, subcode: null, message: reason, details: null, class: 'permanent' as const, fbtrace_id: null }
      const now = Date.now()
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
        source_offset: source.offset
      }
      await outputs.final(source.partition, result, deadLetter)
    }
  }
  return outputs
}
