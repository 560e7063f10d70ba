import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROOT_CONTEXT, propagation, trace, TraceFlags } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { extractTraceContext, fromKafkaHeaders, toKafkaHeaders } from '../src/index.ts'

test('typed headers survive the trip through Kafka header buffers', () => {
  const headers = toKafkaHeaders({ eventId: 'wamid.X', contentType: 'application/json', schemaFingerprint: '0123456789abcdef', extra: { 'x-tenant': 't1' } })
  const asConsumed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(String(v))]))
  assert.deepEqual(fromKafkaHeaders(asConsumed), {
    eventId: 'wamid.X', contentType: 'application/json', schemaFingerprint: '0123456789abcdef', extra: { 'x-tenant': 't1' }
  })
})

test('the active span context becomes a W3C traceparent header and can be continued', () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  try {
    const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED }
    const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext)
    const headers = toKafkaHeaders({ eventId: 'e1' }, ctx)
    assert.equal(headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
    const continued = trace.getSpanContext(extractTraceContext({ traceparent: Buffer.from(String(headers.traceparent)) }, ROOT_CONTEXT))
    assert.equal(continued?.traceId, spanContext.traceId)
    assert.equal(continued?.spanId, spanContext.spanId)
  } finally {
    propagation.disable()
  }
})
