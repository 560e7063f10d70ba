import type { Meter } from '@opentelemetry/api'
import { REQUEST_DURATION_BUCKETS_SECONDS } from '@wabridge/telemetry'

export interface ApiMetrics {
  /** One answered request: its method, route pattern (undefined when no route matched), status code and duration. */
  request(method: string, route: string | undefined, statusCode: number, seconds: number): void
}

/**
 * The HTTP API's own request metrics (`wabridge_api_requests_total`, `wabridge_api_request_duration`),
 * recorded from fastify's onResponse: they do not depend on the http instrumentation, which runs only
 * when traces are exported (packages/telemetry/README.md).
 */
export function createApiMetrics (meter: Meter): ApiMetrics {
  const requests = meter.createCounter('wabridge.api.requests', { description: 'HTTP API requests answered, by method, route and status code', unit: '{request}' })
  const duration = meter.createHistogram('wabridge.api.request.duration', {
    description: 'Time from receiving an HTTP API request to answering it, by method, route and status code',
    unit: 's',
    advice: { explicitBucketBoundaries: REQUEST_DURATION_BUCKETS_SECONDS }
  })
  return {
    request (method, route, statusCode, seconds) {
      // The route pattern, never the URL: paths carry request ids, and the unmatched ones are any text.
      const attributes = { method, route: route ?? 'unmatched', status_code: statusCode }
      requests.add(1, attributes)
      duration.record(seconds, attributes)
    }
  }
}
