import type { BatchObservableResult, Meter } from '@opentelemetry/api'
import type { WorkerEvents } from './partition-worker.ts'

export interface Instruments extends WorkerEvents {
  stop(): void
}

/** The scheduler's OpenTelemetry instruments. */
export function createInstruments (meter: Meter, gauges: { indexed: () => number, later: () => number }): Instruments {
  const released = meter.createCounter('wabridge.scheduler.released', { description: 'Requests released to the requests topic', unit: '{request}' })
  const cancelled = meter.createCounter('wabridge.scheduler.cancelled', { description: 'Scheduled requests cancelled before release', unit: '{request}' })
  const rejected = meter.createCounter('wabridge.scheduler.rejected', { description: 'Requests refused because send_at is more than 365 days ahead (failed result)', unit: '{request}' })
  const duplicates = meter.createCounter('wabridge.scheduler.duplicates', { description: 'Scheduled records whose request id was pending or released already (skipped)', unit: '{record}' })
  const lateness = meter.createHistogram('wabridge.scheduler.release.lateness', {
    description: 'Release time minus send_at (0 for a send_at already past on arrival is not recorded)',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60] }
  })
  const scans = meter.createHistogram('wabridge.scheduler.scan.duration', { description: 'Time to read a pending partition whole', unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120] } })
  const indexed = meter.createObservableGauge('wabridge.scheduler.pending.indexed', { description: 'Pending requests held in memory (the earliest due)', unit: '{request}' })
  const later = meter.createObservableGauge('wabridge.scheduler.pending.later', { description: 'Pending requests held only in Kafka (upper bound, as of the last scan)', unit: '{request}' })
  const observe = (r: BatchObservableResult) => {
    r.observe(indexed, gauges.indexed())
    r.observe(later, gauges.later())
  }
  meter.addBatchObservableCallback(observe, [indexed, later])
  return {
    released (count, latenessMs) {
      released.add(count)
      for (const ms of latenessMs) if (ms >= 0) lateness.record(ms / 1000)
    },
    cancelled: () => cancelled.add(1),
    rejected: () => rejected.add(1),
    duplicate: () => duplicates.add(1),
    scanned: (ms) => scans.record(ms / 1000),
    stop: () => meter.removeBatchObservableCallback(observe, [indexed, later])
  }
}
