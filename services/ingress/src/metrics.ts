import type { Meter } from '@opentelemetry/api'

/** Outcome of a webhook request, from its status code. */
export type RequestOutcome = 'accepted' | 'verified' | 'forbidden' | 'unauthorized' | 'invalid' | 'too_large' | 'unavailable' | 'error'

export interface IngressMetrics {
  request(method: string, statusCode: number, durationMs: number): void
  records(topic: string, count: number): void
  duplicates(topic: string, reason: 'recent' | 'in_flight' | 'same_request', count: number): void
  produced(durationMs: number, ok: boolean): void
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

const BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

/** The ingress instruments (README.md, "Metrics"), on a meter from @opentelemetry/api. */
export function createIngressMetrics (meter: Meter): IngressMetrics {
  const requests = meter.createCounter('wabridge.ingress.requests', { description: 'Webhook requests by method and outcome' })
  const requestDuration = meter.createHistogram('wabridge.ingress.request.duration', {
    description: 'Time from receiving a webhook request to answering it',
    unit: 'ms',
    advice: { explicitBucketBoundaries: BUCKETS_MS }
  })
  const records = meter.createCounter('wabridge.ingress.records', { description: 'Records acknowledged by Kafka, by topic' })
  const duplicates = meter.createCounter('wabridge.ingress.duplicates', { description: 'Records dropped as repeats of a recently seen event id, by topic and reason' })
  const produceDuration = meter.createHistogram('wabridge.ingress.produce.duration', {
    description: 'Time from handing a request\'s records to the producer until Kafka acknowledged all of them (or failed)',
    unit: 'ms',
    advice: { explicitBucketBoundaries: BUCKETS_MS }
  })
  return {
    request (method, statusCode, durationMs) {
      const attributes = { 'http.request.method': method, outcome: outcomeOf(method, statusCode) }
      requests.add(1, attributes)
      requestDuration.record(durationMs, attributes)
    },
    records (topic, count) { if (count > 0) records.add(count, { topic }) },
    duplicates (topic, reason, count) { if (count > 0) duplicates.add(count, { topic, reason }) },
    produced (durationMs, ok) { produceDuration.record(durationMs, { outcome: ok ? 'ok' : 'failed' }) }
  }
}
