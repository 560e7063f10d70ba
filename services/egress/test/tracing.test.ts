import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace'
import { toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor } from '@wabridge/schemas'
import { codec, startScenario, textRequest, waitFor } from './helpers.ts'

test('a send continues the trace of its request record: egress.deliver is a child of its traceparent, the Graph API call a child of egress.deliver', async (t) => {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(provider)
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const undici = new UndiciInstrumentation()
  undici.setTracerProvider(provider)
  undici.enable()
  t.after(() => { undici.disable(); trace.disable(); context.disable(); propagation.disable() })

  const { prefix, results, producer } = await startScenario(t)
  const traceId = randomUUID().replaceAll('-', '')
  const parentSpanId = randomUUID().replaceAll('-', '').slice(0, 16)
  const request = textRequest('1001', '+15550001111', 'traced')
  await producer.send([{
    topic: topicNames(prefix).outboundRequests,
    key: request.phone_number_id,
    value: codec.encode('OutboundRequest', request),
    headers: toKafkaHeaders({ eventId: 'traced', contentType: contentTypeFor('OutboundRequest'), traceparent: `00-${traceId}-${parentSpanId}-01` })
  }])

  await waitFor(() => results.length >= 1, 30_000, 'the result')
  assert.equal(results[0]!.status, 'accepted')
  await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === 'egress.deliver'), 10_000, 'the egress.deliver span')
  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
  const deliver = spans.find((s) => s.name === 'egress.deliver')
  assert.ok(deliver, `an egress.deliver span in the request's trace, have ${spans.map((s) => s.name).join(', ')}`)
  assert.equal(deliver.parentSpanContext?.spanId, parentSpanId)
  assert.equal(deliver.attributes['wabridge.request_id'], 'traced')
  const call = spans.find((s) => s.parentSpanContext?.spanId === deliver.spanContext().spanId && s.name.startsWith('POST'))
  assert.ok(call, `the Graph API call is a child span of egress.deliver, have ${spans.map((s) => s.name).join(', ')}`)
})
