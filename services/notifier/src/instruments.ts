import type { Meter } from '@opentelemetry/api'

export interface Instruments {
  sent(receiver: string, status: 'firing' | 'resolved', durationMs: number): void
  failed(receiver: string): void
  dropped(receiver: string): void
  invalidAlert(): void
  stop(): void
}

/** The notifier's OpenTelemetry instruments (attribute `receiver` = receiver name). */
export function createInstruments (meter: Meter, gauges: { queued: () => Array<{ receiver: string, size: number }>, firing: () => number }): Instruments {
  const sent = meter.createCounter('wabridge.notifier.notifications.sent', { description: 'Notifications delivered, by receiver and status', unit: '{notification}' })
  const failed = meter.createCounter('wabridge.notifier.notifications.failed', { description: 'Notifications that failed after every retry (sent again at the group\'s next interval)', unit: '{notification}' })
  const dropped = meter.createCounter('wabridge.notifier.notifications.dropped', { description: 'Waiting notifications pushed out of a full receiver queue (sent again at the group\'s next interval)', unit: '{notification}' })
  const invalid = meter.createCounter('wabridge.notifier.invalid_alerts', { description: 'wa.alerts records that could not be decoded (skipped)', unit: '{record}' })
  const latency = meter.createHistogram('wabridge.notifier.delivery.duration', {
    description: 'Time to deliver one notification, retries included',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] }
  })
  const queued = meter.createObservableGauge('wabridge.notifier.queue.size', { description: 'Notifications waiting per receiver', unit: '{notification}' })
  const firing = meter.createObservableGauge('wabridge.notifier.alerts.firing', { description: 'Firing alerts on the partitions this instance owns', unit: '{alert}' })
  const observe = (r: import('@opentelemetry/api').BatchObservableResult) => {
    for (const q of gauges.queued()) r.observe(queued, q.size, { receiver: q.receiver })
    r.observe(firing, gauges.firing())
  }
  meter.addBatchObservableCallback(observe, [queued, firing])
  return {
    sent (receiver, status, durationMs) {
      sent.add(1, { receiver, status })
      latency.record(durationMs / 1000, { receiver })
    },
    failed: (receiver) => failed.add(1, { receiver }),
    dropped: (receiver) => dropped.add(1, { receiver }),
    invalidAlert: () => invalid.add(1),
    stop: () => meter.removeBatchObservableCallback(observe, [queued, firing])
  }
}
