import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import type { KafkaMessage } from 'kafkajs'
import { fromKafkaHeaders } from '@wabridge/kafka'
import { parseOutboundRequestJson, toOutboundRequestRecord, type Codec, type OutboundRequest } from '@wabridge/schemas'
import type { RequestFacts } from './request-view.ts'
import { isScheduledAt } from './send-at.ts'

/**
 * The hash that decides whether two requests with one request_id are the same (idempotency):
 * SHA-256 of the RFC 8785 canonical JSON of what is sent, so key order and number spelling in the
 * client's JSON do not matter. The same for a request produced here and the record read back.
 */
export function hashRequest (record: OutboundRequest): string {
  const canonical = canonicalize({
    phone_number_id: record.phone_number_id,
    to: record.to,
    message: JSON.parse(record.message_json) as unknown,
    expires_at: record.expires_at,
    created_at: record.created_at,
    metadata: record.metadata,
    // Only when set, so that the hash of a request without them is what it was before they existed.
    ...(record.send_at != null && { send_at: record.send_at }),
    ...(record.priority != null && record.priority !== 'interactive' && { priority: record.priority })
  })
  return createHash('sha256').update(canonical ?? '', 'utf8').digest('hex')
}

/** JSON by its content-type, or (without one) by its first character, as egress decides. */
function isJson (value: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined) return contentType.startsWith('application/json')
  return value.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) === 0x7b
}

/**
 * What a record of the requests or the scheduled topic says, for the view; undefined for a record
 * without a request_id (egress names those by their offset), a tombstone, or one that does not
 * decode (egress dead-letters those; the view has nothing to say about them). `isRequestsTopic`:
 * the record is on the requests topic, where one whose send_at is not in the future is sent.
 */
export async function toRequestFacts (codec: Codec, message: KafkaMessage, isRequestsTopic = true): Promise<RequestFacts | undefined> {
  if (!message.value || message.value.length === 0) return undefined
  const { contentType } = fromKafkaHeaders(message.headers)
  let record: OutboundRequest
  try {
    record = isJson(message.value, contentType)
      ? toOutboundRequestRecord(parseOutboundRequestJson(JSON.parse(message.value.toString('utf8'))))
      : (await codec.deserialize(message.value, 'OutboundRequest')).value
    if (record.request_id === null) return undefined
    const at = Number(message.timestamp)
    const sendAt = record.send_at ?? null
    return {
      requestId: record.request_id,
      phoneNumberId: record.phone_number_id,
      to: record.to,
      bodyHash: hashRequest(record),
      at,
      sendAt,
      priority: record.priority ?? null,
      isDue: isRequestsTopic && !isScheduledAt(sendAt, at)
    }
  } catch {
    return undefined
  }
}
