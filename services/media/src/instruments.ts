import type { Meter } from '@opentelemetry/api'
import type { InboundMedia } from '@wabridge/schemas'

/** The media worker's OpenTelemetry instruments. */
export interface Instruments {
  attempt (ms: number, outcome: 'ok' | 'failed'): void
  stored (bytes: number): void
  published (records: InboundMedia[]): void
}

export function createInstruments (meter: Meter): Instruments {
  const downloads = meter.createCounter('wabridge.media.downloads', { description: 'Download attempts, by outcome (ok, failed)', unit: '{download}' })
  const bytes = meter.createCounter('wabridge.media.bytes', { description: 'Bytes stored', unit: 'By' })
  const records = meter.createCounter('wabridge.media.records', { description: 'InboundMedia records published, by status (ready, failed) and failure reason', unit: '{record}' })
  const duration = meter.createHistogram('wabridge.media.download.duration', {
    description: 'Time of one download attempt into the store',
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] }
  })
  return {
    attempt (ms, outcome) {
      downloads.add(1, { outcome })
      duration.record(ms / 1000, { outcome })
    },
    stored: (n) => bytes.add(n),
    published (list) {
      for (const r of list) records.add(1, r.status === 'ready' ? { status: 'ready' } : { status: 'failed', failure: r.failure ?? 'download_failed' })
    }
  }
}
