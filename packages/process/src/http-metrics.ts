import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { REQUEST_DURATION_BUCKETS_SECONDS } from '@wabridge/telemetry'

/** What an HTTP server's request metrics record: one answered request. */
export interface HttpRequestMetrics {
  request (method: string, route: string | undefined, statusCode: number, seconds: number): void
}

/**
 * `wabridge.http.requests` (counter) and `wabridge.http.request.duration` (histogram, seconds), by
 * method, route pattern and status code: the same two series for every part's HTTP server, told
 * apart by the scrape (Prometheus' `job` and `service` labels) or the OTLP resource. They do not
 * depend on the http instrumentation, which runs only when traces are exported.
 */
export function createHttpRequestMetrics (meter: Meter): HttpRequestMetrics {
  const requests = meter.createCounter('wabridge.http.requests', { description: 'HTTP requests answered, by method, route pattern and status code', unit: '{request}' })
  const duration = meter.createHistogram('wabridge.http.request.duration', {
    description: 'Time from receiving an HTTP request to answering it, by method, route pattern and status code',
    unit: 's',
    advice: { explicitBucketBoundaries: REQUEST_DURATION_BUCKETS_SECONDS }
  })
  return {
    request (method, route, statusCode, seconds) {
      // The route pattern, never the URL: paths carry ids, and the unmatched ones are any text.
      const attributes = { method, route: route ?? 'unmatched', status_code: statusCode }
      requests.add(1, attributes)
      duration.record(seconds, attributes)
    }
  }
}

/**
 * Records every request `app` answers (fastify's onResponse, with its own elapsed time) into
 * `meter`'s request metrics; by default the global meter provider's, a no-op unless the part's
 * telemetry runs (PROMETHEUS_PORT or OTEL_EXPORTER_OTLP_ENDPOINT). Call it before the routes.
 */
export function recordHttpRequests (app: FastifyInstance, meter: Meter = metrics.getMeter('wabridge-http')): HttpRequestMetrics {
  const recorder = createHttpRequestMetrics(meter)
  app.addHook('onResponse', async (request, reply) => {
    recorder.request(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000)
  })
  return recorder
}
