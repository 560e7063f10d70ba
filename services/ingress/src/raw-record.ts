import type { IncomingHttpHeaders } from 'node:http'
import { bodyEventId } from './event-id.ts'
import type { InboundRecord } from './inbound-record.ts'

/** Headers never archived: credentials a proxy may add. The signature has its own field. */
const SKIPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-hub-signature-256'])

export interface RawRequest {
  body: Buffer
  headers: IncomingHttpHeaders
  remoteAddress: string | undefined
  receivedAt: number
  /** The entry[0].id of the body when it parsed that far. */
  wabaId: string | undefined
}

/** The record of a verified body exactly as received (topic inbound.raw), keyed by WABA id. */
export function toRawRecord (request: RawRequest): InboundRecord {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || SKIPPED_HEADERS.has(name)) continue
    headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const signature = request.headers['x-hub-signature-256']
  return {
    topic: 'inboundRaw',
    schema: 'RawWebhook',
    key: request.wabaId ?? null,
    eventId: bodyEventId(request.body),
    value: {
      received_at: request.receivedAt,
      body: request.body,
      signature: typeof signature === 'string' ? signature : null,
      headers,
      content_type: request.headers['content-type'] ?? null,
      remote_address: request.remoteAddress ?? null,
      // Only verified bodies are archived (brief.md, "Ingress").
      verified: true,
      // fit-record.ts cuts the body when the record would exceed the topic's max.message.bytes.
      body_truncated: false,
      body_size: request.body.length
    }
  }
}

/** entry[0].id of a parsed body, if it has one (the raw record's key). */
export function firstEntryId (payload: unknown): string | undefined {
  const entry = (payload as { entry?: unknown } | null)?.entry
  const id = Array.isArray(entry) ? (entry[0] as { id?: unknown } | undefined)?.id : undefined
  return typeof id === 'string' && id.length > 0 ? id : undefined
}
