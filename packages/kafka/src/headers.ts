import { context, propagation, type Context } from '@opentelemetry/api'
import type { IHeaders } from 'kafkajs'

/** Header names every wabridge record carries. */
export const HEADER = {
  eventId: 'event-id',
  contentType: 'content-type',
  schemaFingerprint: 'schema-fingerprint',
  traceparent: 'traceparent',
  tracestate: 'tracestate'
} as const

/**
 * Set by the scheduler on each request it releases to the requests topic (value: the release time, epoch
 * ms). Such a request is due whatever its send_at says by the reader's clock: egress sends it and never
 * forwards it to the scheduler again, so clocks that differ by more than egress's 1 s tolerance cannot
 * bounce a request between the two (the scheduler ignores a request id it already released).
 */
export const RELEASED_HEADER = 'wabridge-released-at'

/**
 * Marks a command to the scheduler written to the scheduled topic (value 'cancel'), not a request:
 * readers of that topic other than the scheduler skip such records.
 */
export const SCHEDULER_COMMAND_HEADER = 'wabridge-scheduler-command'

export interface RecordHeaders {
  /** Deterministic id of the event (consumers dedup on it). */
  eventId?: string
  /** e.g. `application/vnd.wabridge.inbound-message.v1+avro` or `application/json`. */
  contentType?: string
  /** 16 hex chars: CRC-64-AVRO fingerprint of the writer schema. */
  schemaFingerprint?: string
  traceparent?: string
  tracestate?: string
  /** Any other headers, as strings. */
  extra?: Record<string, string>
}

/**
 * Kafka headers for a record. The W3C trace context is taken from `ctx` (default: the active
 * context) unless `headers.traceparent` is given.
 */
export function toKafkaHeaders (headers: RecordHeaders, ctx: Context = context.active()): IHeaders {
  const out: Record<string, string> = { ...headers.extra }
  if (headers.eventId) out[HEADER.eventId] = headers.eventId
  if (headers.contentType) out[HEADER.contentType] = headers.contentType
  if (headers.schemaFingerprint) out[HEADER.schemaFingerprint] = headers.schemaFingerprint
  if (headers.traceparent) {
    out[HEADER.traceparent] = headers.traceparent
    if (headers.tracestate) out[HEADER.tracestate] = headers.tracestate
  } else {
    propagation.inject(ctx, out)
  }
  return out
}

function headerString (value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined
  const first = Array.isArray(value) ? value[0] : value
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first)
}

/** Reads the typed headers of a consumed record (kafkajs delivers header values as Buffers). */
export function fromKafkaHeaders (headers: IHeaders | undefined): RecordHeaders {
  const extra: Record<string, string> = {}
  const known = new Set<string>(Object.values(HEADER))
  const out: RecordHeaders = { extra }
  for (const [name, value] of Object.entries(headers ?? {})) {
    const text = headerString(value)
    if (text === undefined) continue
    if (!known.has(name)) extra[name] = text
  }
  const get = (name: string) => headerString(headers?.[name])
  const eventId = get(HEADER.eventId)
  const contentType = get(HEADER.contentType)
  const schemaFingerprint = get(HEADER.schemaFingerprint)
  const traceparent = get(HEADER.traceparent)
  const tracestate = get(HEADER.tracestate)
  if (eventId) out.eventId = eventId
  if (contentType) out.contentType = contentType
  if (schemaFingerprint) out.schemaFingerprint = schemaFingerprint
  if (traceparent) out.traceparent = traceparent
  if (tracestate) out.tracestate = tracestate
  return out
}

/** The trace context carried by a record's headers, for continuing its trace. */
export function extractTraceContext (headers: IHeaders | undefined, parent: Context = context.active()): Context {
  const carrier: Record<string, string> = {}
  const h = fromKafkaHeaders(headers)
  if (h.traceparent) carrier.traceparent = h.traceparent
  if (h.tracestate) carrier.tracestate = h.tracestate
  return propagation.extract(parent, carrier)
}
