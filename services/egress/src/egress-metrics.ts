import { metrics, type Attributes } from '@opentelemetry/api'
import type { WindowPosition } from './send-checks.ts'

/** Callers pass milliseconds (what their clocks give); the send histogram records seconds. */
export interface EgressMetrics {
  send(phoneNumberId: string, outcome: string, latencyMs: number, errorCode: number | undefined): void
  /** A final result was written (`priority` of the request: interactive or bulk; `errorClass` 'suppressed' writes no dead letter). */
  result(phoneNumberId: string, status: string, errorCode: number | null | undefined, priority?: string, errorClass?: string): void
  skipped(reason: string): void
  invalid(): void
  /** A partition's transaction committed (ms, writes it carried). */
  transaction(ms: number, writes: number): void
  /** A settlement record was written for an unknown result. */
  settled(evidence: 'status_webhook' | 'no_status_in_time'): void
  /** Meta accepted a send checked against the customer's windows (where it stood: inside/outside the CSW and an FEP). */
  windowSend(phoneNumberId: string, position: WindowPosition): void
  /** A free-form message was not sent: the customer service window is closed (EGRESS_WINDOW_MODE=enforce). */
  windowRefused(phoneNumberId: string): void
  /** The tracker could not confirm a closed window within EGRESS_WINDOW_SYNC_MS: sent anyway. */
  windowUnconfirmed(phoneNumberId: string): void
  /** A template send the catalogue refused (Meta's code for the reason). */
  templateRefused(phoneNumberId: string, code: number): void
  /** A store_uri media reference resolved: uploaded to Meta, reused (a media id known), or failed. */
  mediaUpload(phoneNumberId: string, outcome: 'uploaded' | 'reused' | 'failed'): void
}

/** Error classes of results written without a dead letter (not errors to fix and replay). */
const NO_DEAD_LETTER = new Set(['suppressed', 'outside_window'])
/** Error classes named on the results counter (refusals of egress's own checks, no Graph call). */
const COUNTED_CLASSES = new Set(['suppressed', 'outside_window', 'template_invalid'])

/**
 * Seconds, as OpenTelemetry's semantic conventions ask of durations: 5 ms to 30 s, past
 * GRAPH_TIMEOUT_MS' default (15 s) so that timed-out calls still land in a finite bucket.
 */
export const SEND_DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30]

/** Egress's OpenTelemetry instruments (no-ops unless telemetry runs). */
export function createEgressMetrics (observe: { buffered: () => number, inFlight: () => number }): EgressMetrics {
  const meter = metrics.getMeter('@wabridge/egress')
  const sends = meter.createCounter('wabridge.egress.sends', { description: 'Graph API send calls by outcome (retry_now: the request is tried again)', unit: '{call}' })
  const latency = meter.createHistogram('wabridge.egress.send.duration', {
    description: 'Graph API send latency',
    unit: 's',
    advice: { explicitBucketBoundaries: SEND_DURATION_BUCKETS_SECONDS }
  })
  const results = meter.createCounter('wabridge.egress.results', { description: 'Final results by status', unit: '{request}' })
  const deadLetters = meter.createCounter('wabridge.egress.dead_letters', { description: 'Records written to the dead-letter topic, by reason', unit: '{record}' })
  const skipped = meter.createCounter('wabridge.egress.skipped', { description: 'Requests not sent because they already had a result', unit: '{request}' })
  const transactions = meter.createHistogram('wabridge.egress.transaction.duration', {
    description: 'Kafka transactions of the partition sessions (markers, results, offsets), from begin to the commit\'s answer',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }
  })
  const transactionWrites = meter.createCounter('wabridge.egress.transaction.writes', {
    description: 'Writes (a marker, or a result with its marker) carried by the partition transactions; per transaction: divide by the duration histogram\'s count',
    unit: '{write}'
  })
  const settlements = meter.createCounter('wabridge.egress.settlements', {
    description: 'Unknown results settled (evidence=status_webhook) or left unknown when no status came in time (evidence=no_status_in_time)',
    unit: '{request}'
  })
  const windowSends = meter.createCounter('wabridge.egress.window.sends', {
    description: 'Sends Meta accepted, by where they stood with the customer\'s windows (csw, fep = inside · outside · unknown; type = free_form · template)',
    unit: '{message}'
  })
  const windowRefused = meter.createCounter('wabridge.egress.window.refused', { description: 'Free-form messages not sent: the customer service window is closed', unit: '{request}' })
  const windowUnconfirmed = meter.createCounter('wabridge.egress.window.unconfirmed', {
    description: 'Window checks the tracker could not confirm within EGRESS_WINDOW_SYNC_MS (the message was sent; Meta decides)',
    unit: '{request}'
  })
  const templateRefused = meter.createCounter('wabridge.egress.template.refused', { description: 'Template sends refused by the template catalogue', unit: '{request}' })
  const mediaUploads = meter.createCounter('wabridge.egress.media.uploads', { description: 'Media references (store_uri) resolved, by outcome (uploaded · reused · failed)', unit: '{request}' })
  const invalid = meter.createCounter('wabridge.egress.invalid', { description: 'Requests that failed validation', unit: '{request}' })
  meter.createObservableGauge('wabridge.egress.buffered', { description: 'Requests buffered in memory', unit: '{request}' }).addCallback((r) => r.observe(observe.buffered()))
  meter.createObservableGauge('wabridge.egress.in_flight', { description: 'Graph API calls in flight', unit: '{call}' }).addCallback((r) => r.observe(observe.inFlight()))
  const attrs = (phoneNumberId: string, extra: Attributes = {}): Attributes => ({ phone_number_id: phoneNumberId, ...extra })
  return {
    send (phoneNumberId, outcome, latencyMs, errorCode) {
      sends.add(1, attrs(phoneNumberId, { outcome, ...(errorCode !== undefined && { error_code: errorCode }) }))
      latency.record(latencyMs / 1000, attrs(phoneNumberId))
    },
    result (phoneNumberId, status, errorCode, priority, errorClass) {
      results.add(1, attrs(phoneNumberId, {
        status,
        ...(priority !== undefined && { priority }),
        ...(errorCode !== undefined && errorCode !== null && { error_code: errorCode }),
        ...(errorClass !== undefined && COUNTED_CLASSES.has(errorClass) && { error_class: errorClass })
      }))
      // Every failed result goes to the dead-letter topic with it (delivery.ts finish) but a suppressed one or one
      // outside the window; nothing else does.
      if (status === 'failed' && !(errorClass !== undefined && NO_DEAD_LETTER.has(errorClass))) deadLetters.add(1, { reason: 'failed' })
    },
    skipped (reason) { skipped.add(1, { reason }) },
    transaction (ms, writes) {
      transactions.record(ms / 1000)
      transactionWrites.add(writes)
    },
    settled (evidence) { settlements.add(1, { evidence }) },
    windowSend (phoneNumberId, position) { windowSends.add(1, attrs(phoneNumberId, { ...position })) },
    windowRefused (phoneNumberId) { windowRefused.add(1, attrs(phoneNumberId)) },
    windowUnconfirmed (phoneNumberId) { windowUnconfirmed.add(1, attrs(phoneNumberId)) },
    templateRefused (phoneNumberId, code) { templateRefused.add(1, attrs(phoneNumberId, { error_code: code })) },
    mediaUpload (phoneNumberId, outcome) { mediaUploads.add(1, attrs(phoneNumberId, { outcome })) },
    invalid () {
      invalid.add(1)
      // Outputs.invalid dead-letters every invalid request.
      deadLetters.add(1, { reason: 'invalid' })
    }
  }
}
