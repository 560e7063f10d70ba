import type { Meter } from '@opentelemetry/api'

/** Outcome of one delivery step, as counted. */
export type DeliveryOutcome = 'ok' | 'failed' | 'retried' | 'parked' | 'given_up'

/** The webhooks service's instruments; callers pass milliseconds, histograms record seconds. */
export interface WebhooksMetrics {
  /**
   * ok: delivered (at once or on a retry); failed: an attempt failed; retried: a retry attempt was
   * made; parked: written to the retry topic; given_up: written to the failed topic.
   */
  delivery (subscriptionId: string, outcome: DeliveryOutcome): void
  latency (subscriptionId: string, durationMs: number, ok: boolean): void
}

const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * wabridge.webhooks.deliveries (counter by subscription_id and outcome),
 * wabridge.webhooks.delivery.duration (histogram of attempts, seconds) and
 * wabridge.webhooks.backlog (gauge: deliveries waiting in the retry topic, by subscription_id).
 */
export function createWebhooksMetrics (meter: Meter, backlog: () => Map<string, number>): WebhooksMetrics {
  const deliveries = meter.createCounter('wabridge.webhooks.deliveries', { description: 'Webhook deliveries by subscription and outcome' })
  const duration = meter.createHistogram('wabridge.webhooks.delivery.duration', {
    description: 'Time of one delivery attempt, request to answer',
    unit: 's',
    advice: { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS }
  })
  const gauge = meter.createObservableGauge('wabridge.webhooks.backlog', { description: 'Deliveries waiting for a retry, by subscription' })
  gauge.addCallback((result) => {
    for (const [id, count] of backlog()) result.observe(count, { subscription_id: id })
  })
  return {
    delivery (id, outcome) { deliveries.add(1, { subscription_id: id, outcome }) },
    latency (id, durationMs, ok) { duration.record(durationMs / 1000, { subscription_id: id, ok }) }
  }
}
