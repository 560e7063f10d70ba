import { randomUUID } from 'node:crypto'
import { isMaybeWritten, KafkaPublishError, toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, toOutboundRequestRecord, type Codec, type OutboundRequest, type OutboundRequestJson } from '@wabridge/schemas'
import { ApiError } from './errors.ts'
import { hashRequest } from './request-record.ts'
import type { RequestView } from './request-view.ts'
import { assertSendAtInRange, isScheduledAt } from './send-at.ts'

export interface MessagePublisherOptions {
  /** The requests topic. */
  topic: string
  /** The topic of requests whose send_at is more than 1 s ahead (the scheduler releases them to `topic`). */
  scheduledTopic: string
  /** How long a POST waits for Kafka's acknowledgement, ms. */
  timeoutMs: number
  /** Retry-After of 503 answers, seconds. */
  retryAfterS: number
}

export interface MessagePublisherDeps {
  producer: WabridgeProducer
  codec: Codec
  view: RequestView
  clock: () => number
  /** Request ids for requests without one. Default randomUUID. */
  newId?: () => string
}

export interface Published {
  requestId: string
  /** True when the id was already known with the same body: nothing was written this time. */
  isReplay: boolean
  /** Where the request went: scheduled (held until its send_at) or queued (waits for egress). */
  state: 'queued' | 'scheduled'
}

export interface MessagePublisher {
  /**
   * Writes the request to Kafka once (idempotent by request_id), to the scheduled topic when its
   * send_at is more than 1 s ahead; resolves when Kafka acknowledged it (acks=all). Refuses a
   * send_at more than 365 days ahead (API_INVALID_REQUEST).
   */
  publish (request: OutboundRequestJson): Promise<Published>
}

const conflict = (requestId: string, why: string) => new ApiError('API_REQUEST_ID_CONFLICT', `request_id ${JSON.stringify(requestId)} ${why}`, { details: { request_id: requestId } })

/**
 * Produces requests, idempotent by request_id. A repeat with the same body (the hash of
 * request-record.ts) answers like the first without a second record; another body is a conflict.
 * Known ids are those in the view (requests read back from the topic, on every instance, and those
 * produced here) and those being produced here now (concurrent repeats wait for the first).
 *
 * A produce that fails after its record may have reached Kafka (a timeout, a broker lost mid-way)
 * answers 503 with the request_id: the client must retry with that same id. The retry then either
 * finds it in the view (replay) or produces it again; a second copy in the topic is dropped by
 * egress, which deduplicates by request_id.
 */
export function createMessagePublisher (options: MessagePublisherOptions, deps: MessagePublisherDeps): MessagePublisher {
  const newId = deps.newId ?? randomUUID
  const inFlight = new Map<string, { hash: string, state: Published['state'], done: Promise<unknown> }>()

  async function produce (hash: string, record: OutboundRequest & { request_id: string }, topic: string): Promise<void> {
    const requestId = record.request_id
    if (!deps.producer.isConnected) {
      throw new ApiError('API_UNAVAILABLE', 'Kafka cannot take requests now; nothing was written: retry later', {
        details: { request_id: requestId, maybe_written: false }, retryAfterS: options.retryAfterS
      })
    }
    try {
      await deps.producer.send([{
        topic,
        key: record.phone_number_id,
        value: await deps.codec.serialize(topic, 'OutboundRequest', record),
        headers: toKafkaHeaders({ eventId: requestId, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: deps.codec.fingerprintHex('OutboundRequest') })
      }], { timeoutMs: options.timeoutMs })
    } catch (err) {
      if (err instanceof KafkaPublishError && err.code === 'KAFKA_RECORD_TOO_LARGE') {
        throw new ApiError('API_INVALID_REQUEST', 'the request is larger than the requests topic takes', { cause: err, details: { issues: [{ path: '', message: err.message }] } })
      }
      const maybeWritten = isMaybeWritten(err)
      throw new ApiError('API_UNAVAILABLE', maybeWritten
        ? 'Kafka did not confirm the request in time; it may still be written: retry with the same request_id'
        : 'Kafka cannot take requests now; nothing was written: retry with the same request_id', {
        cause: err, details: { request_id: requestId, maybe_written: maybeWritten }, retryAfterS: options.retryAfterS
      })
    }
    const at = deps.clock()
    deps.view.addRequest({
      requestId, phoneNumberId: record.phone_number_id, to: record.to, bodyHash: hash, at, sendAt: record.send_at ?? null, priority: record.priority ?? null, isDue: topic === options.topic
    })
  }

  return {
    async publish (request) {
      const requestId = request.request_id ?? newId()
      const record = toOutboundRequestRecord({ ...request, request_id: requestId })
      const now = deps.clock()
      assertSendAtInRange(record.send_at ?? null, now)
      const hash = hashRequest(record)
      const pending = inFlight.get(requestId)
      if (pending) {
        if (pending.hash !== hash) throw conflict(requestId, 'is being sent with another body')
        // The first one's outcome is this one's: its failure is answered to both.
        await pending.done
        return { requestId, isReplay: true, state: pending.state }
      }
      const known = deps.view.get(requestId)
      if (known?.bodyHash !== undefined) {
        if (known.bodyHash !== hash) throw conflict(requestId, 'was used for another request')
        // Answered as the first POST was: where its record went then.
        return { requestId, isReplay: true, state: isScheduledAt(known.sendAt, known.queuedAt ?? now) ? 'scheduled' : 'queued' }
      }
      // A result or status without its request record: the request is older than the view's window.
      if (known) throw conflict(requestId, 'was used for an earlier request')
      const state = isScheduledAt(record.send_at, now) ? 'scheduled' : 'queued'
      const done = produce(hash, { ...record, request_id: requestId }, state === 'scheduled' ? options.scheduledTopic : options.topic)
      inFlight.set(requestId, { hash, state, done })
      try {
        await done
      } finally {
        inFlight.delete(requestId)
      }
      return { requestId, isReplay: false, state }
    }
  }
}
