import { fitsInBatch, RECORD_BATCH_OVERHEAD_BYTES, estimateRecordBytes, type OutgoingRecord } from '@wabridge/kafka'
import type { InboundRecord } from './inbound-record.ts'

/** Header on a record shrunk to fit its topic's max.message.bytes: the fields replaced or cut, comma-separated. */
export const TRUNCATED_HEADER = 'wa-truncated'

/** The original-JSON fields of each typed record, in the order they give way. */
const JSON_FIELDS: Partial<Record<InboundRecord['schema'], readonly string[]>> = {
  InboundMessage: ['message_json', 'contact_json'],
  InboundStatus: ['status_json'],
  InboundEvent: ['value_json']
}

/** What stands in for an original JSON text that does not fit: its size in bytes. */
export const truncatedJson = (original: string) => `{"truncated":true,"size":${Buffer.byteLength(original)}}`

/** Turns a record into what the producer takes; `truncated` names the fields shrunk, for the header. */
export type ToOutgoing = (record: InboundRecord, truncated: readonly string[]) => OutgoingRecord | Promise<OutgoingRecord>

/**
 * Makes `record` fit in a record batch under `maxMessageBytes` (the topic's cap; a webhook body
 * can be 3 MB while topics default to 1 MB), given `outgoing`, its encoding as it is:
 * - a raw webhook keeps as many leading bytes of its body as fit, with body_truncated and
 *   body_size (the full size) saying so;
 * - a message, status or event has its original JSON replaced by {"truncated":true,"size":N}
 *   (N = the JSON's size in bytes), field by field until it fits.
 * Every shrunk record carries the TRUNCATED_HEADER. A record that still cannot fit is returned as
 * small as it got; the producer then refuses it with KAFKA_RECORD_TOO_LARGE.
 */
export async function fitRecord (record: InboundRecord, outgoing: OutgoingRecord, maxMessageBytes: number, toOutgoing: ToOutgoing): Promise<OutgoingRecord> {
  if (fitsInBatch(outgoing, maxMessageBytes)) return outgoing
  return record.schema === 'RawWebhook'
    ? await fitRaw(record, outgoing, maxMessageBytes, toOutgoing)
    : await fitTyped(record, maxMessageBytes, toOutgoing)
}

async function fitRaw (record: Extract<InboundRecord, { schema: 'RawWebhook' }>, outgoing: OutgoingRecord, maxMessageBytes: number, toOutgoing: ToOutgoing): Promise<OutgoingRecord> {
  const body = record.value.body
  let current = outgoing
  let keep = body.length
  // Cutting n bytes of the body shrinks the record by at least n (its length prefix can only get
  // shorter): two rounds are usually enough, the loop ends at an empty body anyway.
  while (keep > 0 && !fitsInBatch(current, maxMessageBytes)) {
    const excess = RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes(current) - maxMessageBytes
    keep = Math.max(0, keep - excess)
    const value = { ...record.value, body: body.subarray(0, keep), body_truncated: true, body_size: body.length }
    current = await toOutgoing({ ...record, value }, ['body'])
  }
  return current
}

async function fitTyped (record: Exclude<InboundRecord, { schema: 'RawWebhook' }>, maxMessageBytes: number, toOutgoing: ToOutgoing): Promise<OutgoingRecord> {
  const value: Record<string, unknown> = { ...record.value }
  const truncated: string[] = []
  let current: OutgoingRecord | undefined
  for (const field of JSON_FIELDS[record.schema] ?? []) {
    const original = value[field]
    if (typeof original !== 'string') continue
    value[field] = truncatedJson(original)
    truncated.push(field)
    current = await toOutgoing({ ...record, value } as unknown as InboundRecord, truncated)
    if (fitsInBatch(current, maxMessageBytes)) break
  }
  return current ?? await toOutgoing(record, [])
}
