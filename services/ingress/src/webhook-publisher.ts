import { performance } from 'node:perf_hooks'
import { propagation, type Context } from '@opentelemetry/api'
import { fitsInBatch, HEADER, isMaybeWritten, type OutgoingRecord, type TopicLimits, type TopicNames, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, SchemaError, type Codec, type SchemaName } from '@wabridge/schemas'
import type { DedupCache } from './dedup-cache.ts'
import { IngressError } from './errors.ts'
import { fitRecord, TRUNCATED_HEADER } from './fit-record.ts'
import type { InboundRecord } from './inbound-record.ts'
import type { IngressMetrics } from './metrics.ts'

export interface WebhookPublisherOptions {
  topics: TopicNames
  /** How long publish() waits for Kafka's acknowledgement before failing with INGRESS_UNAVAILABLE, ms. */
  timeoutMs: number
  /** Most encoded bytes waiting for acks; beyond it publish() fails at once with INGRESS_UNAVAILABLE. */
  maxPendingBytes: number
}

export interface WebhookPublisherDeps {
  producer: Pick<WabridgeProducer, 'send'>
  /** max.message.bytes of the topics, shared with the producer: every record is made to fit it. */
  limits: Pick<TopicLimits, 'peek' | 'get'>
  codec: Pick<Codec, 'wireFormat' | 'encode' | 'serialize' | 'fingerprintHex'>
  dedup: DedupCache
  metrics: IngressMetrics
}

export interface PublishResult {
  /** Records acknowledged by Kafka for this call. */
  published: number
  /** Records dropped because their event id was acknowledged recently (or is being produced right now). */
  duplicates: number
}

export interface WebhookPublisher {
  /**
   * Produces `records` (trace context from `ctx`) and resolves once Kafka acknowledged every one
   * that is not a duplicate. Rejects with INGRESS_UNAVAILABLE when Kafka fails or is too slow,
   * INGRESS_PAYLOAD_INVALID when a value does not fit its Avro schema.
   */
  publish(records: readonly InboundRecord[], ctx: Context): Promise<PublishResult>
}

/**
 * Dedup, encoding, the byte cap and the wait for acks. Ids enter the dedup cache only once Kafka
 * acknowledged them, even when that happens after the request timed out: Meta's retry of that
 * request is then dropped instead of written twice. A failed produce leaves them out (its records
 * may or may not be in Kafka): the retry is produced again, with the same event ids, so a record
 * is never lost to the cache, and a copy written twice is recognisable by its `event-id`. A repeat
 * that arrives while the first copy is still being produced waits for that produce instead of
 * starting another.
 */
export function createWebhookPublisher (options: WebhookPublisherOptions, deps: WebhookPublisherDeps): WebhookPublisher {
  const { producer, codec, dedup, metrics, limits } = deps
  const inFlight = new Map<string, Promise<void>>()
  let pendingBytes = 0
  const headerBase = new Map<SchemaName, { contentType: string, schemaFingerprint: string }>()
  const baseOf = (schema: SchemaName) => {
    let base = headerBase.get(schema)
    if (!base) headerBase.set(schema, base = { contentType: contentTypeFor(schema), schemaFingerprint: codec.fingerprintHex(schema) })
    return base
  }

  /** max.message.bytes per topic of `records`, read from Kafka for the topics not cached yet. */
  async function capsOf (records: InboundRecord[]): Promise<Map<string, number>> {
    const caps = new Map<string, number>()
    const missing: string[] = []
    for (const r of records) {
      const topic = options.topics[r.topic]
      if (caps.has(topic)) continue
      const limit = limits.peek(topic)
      if (limit) caps.set(topic, limit.maxMessageBytes)
      else missing.push(topic)
    }
    if (missing.length > 0) {
      try {
        for (const [topic, limit] of await limits.get(missing)) caps.set(topic, limit.maxMessageBytes)
      } catch (err) {
        throw new IngressError('INGRESS_UNAVAILABLE', 'could not read the topics\' max.message.bytes from Kafka', { cause: err })
      }
    }
    return caps
  }

  /** The record the producer takes: the common headers (as toKafkaHeaders writes them), then the trace context. */
  function toOutgoing (r: InboundRecord, value: Buffer, truncated: readonly string[], trace: Record<string, string>): OutgoingRecord {
    const base = baseOf(r.schema)
    const headers: Record<string, string> = truncated.length > 0 ? { ...r.headers, [TRUNCATED_HEADER]: truncated.join(',') } : { ...r.headers }
    headers[HEADER.eventId] = r.eventId
    headers[HEADER.contentType] = base.contentType
    headers[HEADER.schemaFingerprint] = base.schemaFingerprint
    for (const name in trace) headers[name] = trace[name]!
    return { topic: options.topics[r.topic], key: r.key, value, headers }
  }

  /**
   * Without a schema registry, with every topic's cap cached and no record too large (the common
   * case), encoding is synchronous: no promise on the hot path. Anything else takes encodeSlowly.
   */
  function encode (records: InboundRecord[], ctx: Context): OutgoingRecord[] | Promise<OutgoingRecord[]> {
    const trace: Record<string, string> = {}
    propagation.inject(ctx, trace)
    if (codec.wireFormat !== 'single-object') return encodeSlowly(records, trace)
    const out: OutgoingRecord[] = []
    try {
      for (const r of records) {
        const cap = limits.peek(options.topics[r.topic])?.maxMessageBytes
        if (cap === undefined) return encodeSlowly(records, trace)
        const outgoing = toOutgoing(r, codec.encode(r.schema, r.value as never), [], trace)
        if (!fitsInBatch(outgoing, cap)) return encodeSlowly(records, trace)
        out.push(outgoing)
      }
    } catch (err) {
      throw toPayloadError(err)
    }
    return out
  }

  async function encodeSlowly (records: InboundRecord[], trace: Record<string, string>): Promise<OutgoingRecord[]> {
    const valueOf = (r: InboundRecord) => codec.wireFormat === 'single-object' ? codec.encode(r.schema, r.value as never) : codec.serialize(options.topics[r.topic], r.schema, r.value as never)
    try {
      const caps = await capsOf(records)
      const out: OutgoingRecord[] = []
      for (const r of records) {
        let outgoing = toOutgoing(r, await valueOf(r), [], trace)
        const cap = caps.get(outgoing.topic)!
        if (!fitsInBatch(outgoing, cap)) {
          outgoing = await fitRecord(r, outgoing, cap, async (shrunk, truncated) => toOutgoing(shrunk, await valueOf(shrunk), truncated, trace))
          metrics.truncated(outgoing.topic)
        }
        out.push(outgoing)
      }
      return out
    } catch (err) {
      throw toPayloadError(err)
    }
  }

  function track (records: InboundRecord[], keys: string[], ctx: Context): Promise<void> {
    const acked = (async () => {
      const encoded = encode(records, ctx)
      const outgoing = Array.isArray(encoded) ? encoded : await encoded
      // Records of requests that timed out stay queued until Kafka takes them; this bounds the
      // memory they hold during a long outage (Meta's retries join them rather than add more).
      const bytes = outgoing.reduce((sum, r) => sum + (r.value?.length ?? 0), 0)
      if (pendingBytes + bytes > options.maxPendingBytes) throw new IngressError('INGRESS_UNAVAILABLE', 'too many records are waiting for Kafka')
      pendingBytes += bytes
      const started = performance.now()
      try {
        await producer.send(outgoing)
      } catch (err) {
        metrics.produced(performance.now() - started, false)
        throw err
      } finally {
        pendingBytes -= bytes
      }
      metrics.produced(performance.now() - started, true)
      for (const key of keys) dedup.add(key)
      for (const r of outgoing) metrics.records(r.topic, 1)
    })().finally(() => { for (const key of keys) inFlight.delete(key) })
    // Nobody may be waiting any more (the request timed out); the outcome is handled above.
    acked.catch(() => {})
    // Registered before the first await, so a concurrent repeat always finds it.
    for (const key of keys) inFlight.set(key, acked)
    return acked
  }

  return {
    async publish (records, ctx) {
      const fresh: InboundRecord[] = []
      const keys: string[] = []
      const waits: Array<Promise<void>> = []
      const seen = new Set<string>()
      for (const r of records) {
        const key = `${r.topic}/${r.eventId}`
        const joined = inFlight.get(key)
        const reason = seen.has(key) ? 'same_request' : dedup.has(key) ? 'recent' : joined ? 'in_flight' : undefined
        seen.add(key)
        if (reason === undefined) {
          fresh.push(r)
          keys.push(key)
          continue
        }
        if (reason === 'in_flight' && joined) waits.push(joined)
        metrics.duplicates(options.topics[r.topic], reason, 1)
      }
      if (fresh.length > 0) waits.push(track(fresh, keys, ctx))
      if (waits.length > 0) await withDeadline(waits.length === 1 ? waits[0]! : Promise.all(waits).then(() => {}), options.timeoutMs)
      return { published: fresh.length, duplicates: records.length - fresh.length }
    }
  }
}

/**
 * Answers within `ms` whatever Kafka does. Both failures leave the records' ids out of the dedup
 * cache: after a timeout they are added only if Kafka acknowledges later; after a producer failure
 * (maybe written: the records may be in Kafka) never, so Meta's retry is produced again.
 */
function withDeadline<T> (promise: Promise<T>, ms: number): Promise<T> {
  // One promise and one timer per request (a Promise.race would add two more promises).
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new IngressError('INGRESS_UNAVAILABLE', `Kafka did not acknowledge within ${ms} ms`)), ms)
    promise.then((value) => {
      clearTimeout(timer)
      resolve(value)
    }, (err: unknown) => {
      clearTimeout(timer)
      if (err instanceof IngressError) return reject(err)
      const maybe = isMaybeWritten(err) ? ' (some may have been written; a retry writes them again with the same event ids)' : ''
      reject(new IngressError('INGRESS_UNAVAILABLE', `Kafka did not take the records${maybe}`, { cause: err }))
    })
  })
}

function toPayloadError (err: unknown): unknown {
  return err instanceof SchemaError && err.code === 'SCHEMA_INVALID_VALUE' ? new IngressError('INGRESS_PAYLOAD_INVALID', err.message, { cause: err }) : err
}
