import type { Meter, ObservableResult } from '@opentelemetry/api'
import type { WindowKeeperEvents } from '@wabridge/conversations'

export interface Instruments extends WindowKeeperEvents {
  stop(): void
}

/** The conversations service's OpenTelemetry instruments. */
export function createInstruments (meter: Meter, gauges: { tracked: () => number }): Instruments {
  const written = meter.createCounter('wabridge.conversations.windows.written', { description: 'Window records written to the windows topic', unit: '{record}' })
  const tombstoned = meter.createCounter('wabridge.conversations.windows.tombstoned', { description: 'Pairs whose windows both closed, tombstoned on the windows topic', unit: '{record}' })
  const skipped = meter.createCounter('wabridge.conversations.windows.skipped', { description: 'Inbound records the keeper could not decode (skipped)', unit: '{record}' })
  const tracked = meter.createObservableGauge('wabridge.conversations.windows.tracked', { description: 'Pairs (business number × customer) held in memory', unit: '{window}' })
  const observe = (r: ObservableResult) => r.observe(gauges.tracked())
  tracked.addCallback(observe)
  return {
    written: (n) => written.add(n),
    tombstoned: (n) => tombstoned.add(n),
    skipped: (n) => skipped.add(n),
    stop: () => tracked.removeCallback(observe)
  }
}
