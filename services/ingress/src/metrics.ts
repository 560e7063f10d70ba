import type { Meter } from '@opentelemetry/api'
import { REQUEST_DURATION_BUCKETS_SECONDS } from '@wabridge/telemetry'

/** Outcome of a webhook request, from its status code. */
export type RequestOutcome = 'accepted' | 'verified' | 'forbidden' | 'unauthorized' | 'invalid' | 'too_large' | 'unavailable' | 'error'

/** Callers pass milliseconds (what their clocks give); the histograms record seconds. */
export interface IngressMetrics {
  request(method: string, statusCode: number, durationMs: number): void
  records(topic: string, count: number): void
  duplicates(topic: string, reason: 'recent' | 'in_flight' | 'same_request', count: number): void
  produced(durationMs: number, ok: boolean): void
  /** A record shrunk to fit its topic's max.message.bytes (fit-record.ts). */
  truncated(topic: string): void
}

function outcomeOf (method: string, statusCode: number): RequestOutcome {
  if (statusCode === 200) return method === 'GET' ? 'verified' : 'accepted'
  if (statusCode === 403) return 'forbidden'
  if (statusCode === 401) return 'unauthorized'
  if (statusCode === 413) return 'too_large'
  if (statusCode === 503) return 'unavailable'
  if (statusCode >= 400 && statusCode < 500) return 'invalid'
  return 'error'
}

/** The ingress instruments (README.md, "Metrics"), on a meter from @opentelemetry/api. */
export function createIngressMetrics (meter: Meter): IngressMetrics {
  const requests = meter.createCounter('wabridge.ingress.requests', { description: 'Webhook requests by method and outcome' })
  const requestDuration = meter.createHistogram('wabridge.ingress.request.duration', {
    description: 'Time from receiving a webhook request to answering it',
    unit: 's',
    advice: { explicitBucketBoundaries: REQUEST_DURATION_BUCKETS_SECONDS }
  })
  const records = meter.createCounter('wabridge.ingress.records', { description: 'Records acknowledged by Kafka, by topic' })
  const duplicates = meter.createCounter('wabridge.ingress.duplicates', { description: 'Records dropped as repeats of a recently seen event id, by topic and reason' })
  const truncated = meter.createCounter('wabridge.ingress.truncated', { description: 'Records shrunk to fit their topic\'s max.message.bytes (raw body cut, original JSON replaced), by topic' })
  const produceDuration = meter.createHistogram('wabridge.ingress.produce.duration', {
    description: 'Time from handing a request\'s records to the producer until Kafka acknowledged all of them (or failed)',
    unit: 's',
    advice: { explicitBucketBoundaries: REQUEST_DURATION_BUCKETS_SECONDS }
  })
  return {
    request (method, statusCode, durationMs) {
      const attributes = { 'http.request.method': method, outcome: outcomeOf(method, statusCode) }
      requests.add(1, attributes)
      requestDuration.record(durationMs / 1000, attributes)
    },
    records (topic, count) { if (count > 0) records.add(count, { topic }) },
    duplicates (topic, reason, count) { if (count > 0) duplicates.add(count, { topic, reason }) },
    produced (durationMs, ok) { produceDuration.record(durationMs / 1000, { outcome: ok ? 'ok' : 'failed' }) },
    truncated (topic) { truncated.add(1, { topic }) }
  }
}
