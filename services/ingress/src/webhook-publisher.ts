import { performance } from 'node:perf_hooks'
import { propagation, type Context } from '@opentelemetry/api'
import { toKafkaHeaders, type OutgoingRecord, type TopicNames, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, SchemaError, type Codec, type SchemaName } from '@wabridge/schemas'
import type { DedupCache } from './dedup-cache.ts'
import { IngressError } from './errors.ts'
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
 * Dedup, encoding and the wait for acks. Ids enter the dedup cache only once Kafka acknowledged
 * them, even when that happens after the request timed out: Meta's retry of that request is then
 * dropped instead of written twice. A repeat that arrives while the first copy is still being
 * produced waits for that produce instead of starting another.
 */
export function createWebhookPublisher (options: WebhookPublisherOptions, deps: WebhookPublisherDeps): WebhookPublisher {
  const { producer, codec, dedup, metrics } = deps
  const inFlight = new Map<string, Promise<void>>()
  let pendingBytes = 0
  const headerBase = new Map<SchemaName, { contentType: string, schemaFingerprint: string }>()
  const baseOf = (schema: SchemaName) => {
    let base = headerBase.get(schema)
    if (!base) headerBase.set(schema, base = { contentType: contentTypeFor(schema), schemaFingerprint: codec.fingerprintHex(schema) })
    return base
  }

  async function encode (records: InboundRecord[], ctx: Context): Promise<OutgoingRecord[]> {
    const trace: Record<string, string> = {}
    propagation.inject(ctx, trace)
    // Without a schema registry encoding is synchronous: no promise per record on the hot path.
    const isSync = codec.wireFormat === 'single-object'
    try {
      const out: OutgoingRecord[] = []
      for (const r of records) {
        const topic = options.topics[r.topic]
        out.push({
          topic,
          key: r.key,
          value: isSync ? codec.encode(r.schema, r.value as never) : await codec.serialize(topic, r.schema, r.value as never),
          headers: toKafkaHeaders({ ...baseOf(r.schema), eventId: r.eventId, ...trace }, ctx)
        })
      }
      return out
    } catch (err) {
      if (err instanceof SchemaError && err.code === 'SCHEMA_INVALID_VALUE') throw new IngressError('INGRESS_PAYLOAD_INVALID', err.message, { cause: err })
      throw err
    }
  }

  function track (records: InboundRecord[], keys: string[], ctx: Context): Promise<void> {
    const acked = (async () => {
      const outgoing = await encode(records, ctx)
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
      for (const r of records) metrics.records(options.topics[r.topic], 1)
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
      if (waits.length > 0) await withDeadline(Promise.all(waits), options.timeoutMs)
      return { published: fresh.length, duplicates: records.length - fresh.length }
    }
  }
}

async function withDeadline<T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new IngressError('INGRESS_UNAVAILABLE', `Kafka did not acknowledge within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, deadline])
  } catch (err) {
    if (err instanceof IngressError) throw err
    throw new IngressError('INGRESS_UNAVAILABLE', 'Kafka did not take the records', { cause: err })
  } finally {
    clearTimeout(timer)
  }
}
