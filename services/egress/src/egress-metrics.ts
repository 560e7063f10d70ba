import { metrics, type Attributes } from '@opentelemetry/api'

export interface EgressMetrics {
  send(phoneNumberId: string, outcome: string, latencyMs: number, errorCode: number | undefined): void
  result(phoneNumberId: string, status: string, errorCode: number | null | undefined): void
  skipped(reason: string): void
  invalid(): void
}

/** Egress's OpenTelemetry instruments (no-ops unless telemetry runs). */
export function createEgressMetrics (observe: { buffered: () => number, inFlight: () => number }): EgressMetrics {
  const meter = metrics.getMeter('@wabridge/egress')
  const sends = meter.createCounter('wabridge.egress.sends', { description: 'Graph API send calls by outcome' })
  const latency = meter.createHistogram('wabridge.egress.send.duration', { description: 'Graph API send latency', unit: 'ms' })
  const results = meter.createCounter('wabridge.egress.results', { description: 'Final results by status' })
  const skipped = meter.createCounter('wabridge.egress.skipped', { description: 'Requests not sent because they already had a result' })
  const invalid = meter.createCounter('wabridge.egress.invalid', { description: 'Requests that failed validation' })
  meter.createObservableGauge('wabridge.egress.buffered', { description: 'Requests buffered in memory' }).addCallback((r) => r.observe(observe.buffered()))
  meter.createObservableGauge('wabridge.egress.in_flight', { description: 'Graph API calls in flight' }).addCallback((r) => r.observe(observe.inFlight()))
  const attrs = (phoneNumberId: string, extra: Attributes = {}): Attributes => ({ phone_number_id: phoneNumberId, ...extra })
  return {
    send (phoneNumberId, outcome, latencyMs, errorCode) {
      sends.add(1, attrs(phoneNumberId, { outcome, ...(errorCode !== undefined && { error_code: errorCode }) }))
      latency.record(latencyMs, attrs(phoneNumberId))
    },
    result (phoneNumberId, status, errorCode) {
      results.add(1, attrs(phoneNumberId, { status, ...(errorCode !== undefined && errorCode !== null && { error_code: errorCode }) }))
    },
    skipped (reason) { skipped.add(1, { reason }) },
    invalid () { invalid.add(1) }
  }
}
