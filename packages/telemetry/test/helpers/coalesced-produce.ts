import type { TestContext } from 'node:test'
import { trace } from '@opentelemetry/api'
import { createProducer, toKafkaHeaders } from '@wabridge/kafka'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from '@wabridge/kafka/testing'

/** What a coalesced produce wrote: each request's own trace id, and the trace id its record carries. */
export interface CoalescedOutcome {
  topic: string
  /** request id → trace id of the request's span. */
  requestTraces: Map<string, string>
  /** request id → trace id in the stored record's `traceparent` header. */
  recordTraces: Map<string, string>
  /** Produce requests the producer sent for all of them (1 = fully coalesced). */
  batches: number
}

/**
 * Several concurrent "requests", each in its own span, hand one record each to @wabridge/kafka's
 * producer, which coalesces them into one produce request (as ingress does under load). Each record
 * carries the traceparent of its request (toKafkaHeaders). Reads the records back from a real broker.
 */
export async function produceCoalesced (t: TestContext, requests = ['a', 'b', 'c', 'd']): Promise<CoalescedOutcome> {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('otel-coalesced')
  await createTopic(admin, topic)
  // A long linger so that every request's record is queued before the batch goes out.
  const producer = createProducer(kafka, { lingerMs: 200 })
  await producer.start()
  t.after(() => producer.stop())
  const tracer = trace.getTracer('coalesced-produce-test')
  const requestTraces = new Map<string, string>()
  await Promise.all(requests.map((id) => tracer.startActiveSpan(`request ${id}`, async (span) => {
    requestTraces.set(id, span.spanContext().traceId)
    try {
      await producer.send([{ topic, key: id, value: id, headers: toKafkaHeaders({ eventId: id }) }])
    } finally {
      span.end()
    }
  })))
  const batches = producer.stats().batches
  const stored = await readAll(kafka, topic, requests.length)
  const recordTraces = new Map(stored.map((r) => [r.key!, r.headers.traceparent?.split('-')[1] ?? '']))
  return { topic, requestTraces, recordTraces, batches }
}
