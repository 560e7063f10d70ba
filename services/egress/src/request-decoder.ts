import { fromOutboundRequestRecord, parseOutboundRequestJson, toOutboundRequestRecord, type Codec, type OutboundRequest, type Priority } from '@wabridge/schemas'

/** A valid request's priority (null or absent = interactive; validation refused anything else). */
export const priorityOf = (record: OutboundRequest): Priority => record.priority === 'bulk' ? 'bulk' : 'interactive'

/** A request that passed validation, with what sending needs. */
export interface ParsedRequest {
  /** The producer's request_id, or `<topic>:<partition>:<offset>` when it gave none. */
  requestId: string
  record: OutboundRequest
  /** Meta's message object (validated), without messaging_product/to. */
  message: Record<string, unknown>
}

export type DecodeOutcome =
  | { ok: true, request: ParsedRequest }
  | { ok: false, reason: string, partial?: Partial<OutboundRequest> }

export interface SourceRecord {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  contentType: string | undefined
}

function looksLikeJson (value: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined) return contentType.startsWith('application/json')
  const first = value.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09)
  return first === 0x7b // '{'
}

/** The identifying fields of an invalid JSON request, when they are strings, so its result can name it. */
function identifiersOf (json: unknown): Partial<OutboundRequest> | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const o = json as Record<string, unknown>
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined
  const partial: Partial<OutboundRequest> = {}
  const id = str(o.request_id)
  const number = str(o.phone_number_id)
  const to = str(o.to)
  if (id) partial.request_id = id
  if (number) partial.phone_number_id = number
  if (to) partial.to = to
  return partial
}

function messageOf (message: unknown): string | undefined {
  return message instanceof Error ? message.message : undefined
}

/**
 * Turns a consumed request record (Avro or JSON) into a validated request, or a clear reason why
 * it cannot be sent. The record key must be the phone number id: that is what puts all of a
 * number's requests in one partition, which the exact per-number rate limit relies on.
 */
export async function decodeRequest (codec: Codec, source: SourceRecord): Promise<DecodeOutcome> {
  if (source.value === null || source.value.length === 0) return { ok: false, reason: 'empty record value (tombstone)' }
  let record: OutboundRequest
  try {
    if (looksLikeJson(source.value, source.contentType)) {
      let json: unknown
      try {
        json = JSON.parse(source.value.toString('utf8'))
      } catch {
        return { ok: false, reason: 'value is neither Avro nor valid JSON' }
      }
      try {
        record = toOutboundRequestRecord(parseOutboundRequestJson(json))
      } catch (err) {
        return { ok: false, reason: messageOf(err) ?? 'invalid request', partial: identifiersOf(json) }
      }
    } else {
      record = (await codec.deserialize(source.value, 'OutboundRequest')).value
    }
  } catch (err) {
    return { ok: false, reason: messageOf(err) ?? 'undecodable request' }
  }
  let message: Record<string, unknown>
  try {
    message = fromOutboundRequestRecord(record).message as Record<string, unknown>
  } catch (err) {
    return { ok: false, reason: messageOf(err) ?? 'invalid message', partial: record }
  }
  const key = source.key?.toString('utf8')
  if (key !== record.phone_number_id) {
    return {
      ok: false,
      partial: record,
      reason: `record key ${key === undefined ? '(none)' : JSON.stringify(key)} must equal phone_number_id ${JSON.stringify(record.phone_number_id)}: ` +
        "the key keeps a number's requests in one partition, where its rate limit is enforced"
    }
  }
  const requestId = record.request_id ?? `${source.topic}:${source.partition}:${source.offset}`
  return { ok: true, request: { requestId, record, message } }
}
