import type { Attributes, BatchObservableResult, Counter, Histogram, Meter } from '@opentelemetry/api'
import type { Alert } from '@wabridge/schemas'
import type { NumberInfo } from './alerts/context.ts'
import type { NumberGauge, WabaGauge } from './alerts/evaluate.ts'
import { parseCounterKey } from './state/keys.ts'

/** What the observable gauges read at each collection. */
export interface GaugeSource {
  numbers(): Iterable<NumberGauge>
  wabas(): Iterable<WabaGauge>
  /** Firing alerts whose state this instance owns (so sums over instances count each once). */
  alerts(): Iterable<Alert>
  /** Dedup entries of the partitions this instance owns. */
  dedup(): { entries: number, bytes: number, evicted: number }
}

export interface Instruments {
  /** Advances the usage counters by the committed increase of monthly counters. */
  recordCommitted(deltas: Array<{ rest: string, delta: number }>, numberInfo: (phoneNumberId: string) => NumberInfo | undefined): void
  recordConsumed(topic: string, partition: number, count: number, durationMs: number): void
  recordInvalid(topic: string, reason: 'undecodable' | 'unfoldable'): void
  recordFlush(durationMs: number, records: number, ok: boolean): void
  stop(): void
}

type Usage = { counter: Counter, attrs: (scope: string, a: string, b: string, waba: string) => Attributes }

/**
 * The service's OpenTelemetry instruments. Usage counters only advance by committed increases,
 * so summing them over instances gives exact totals; gauges report what this instance owns.
 */
export function createInstruments (meter: Meter, options: { groupId: string }, gauges: GaugeSource): Instruments {
  const counter = (name: string, description: string, unit = '{message}') => meter.createCounter(name, { description, unit })
  const usage: Record<string, Usage> = {
    in: { counter: counter('wabridge.inbound.messages', 'Inbound messages by type (deduplicated by message id)'), attrs: (s, a, _b, w) => ({ phone_number_id: s, waba_id: w, type: a }) },
    st: { counter: counter('wabridge.statuses', 'Outbound messages that reached each status (read implies delivered implies sent), each once'), attrs: (s, a, _b, w) => ({ phone_number_id: s, waba_id: w, status: a }) },
    sterr: { counter: counter('wabridge.status.errors', 'Error codes of failed statuses'), attrs: (s, a, _b, w) => ({ phone_number_id: s, waba_id: w, error_code: a }) },
    bill: { counter: counter('wabridge.billable.messages', 'Messages with pricing, once per message id, by pricing category and type'), attrs: (s, a, b, w) => ({ phone_number_id: s, waba_id: w, pricing_category: a, pricing_type: b }) },
    conv: { counter: counter('wabridge.conversations', 'Conversations by origin, once per conversation id', '{conversation}'), attrs: (s, a, _b, w) => ({ phone_number_id: s, waba_id: w, origin: a }) },
    res: { counter: counter('wabridge.outbound.results', 'Outbound request outcomes by status and error code', '{request}'), attrs: (s, a, b) => ({ phone_number_id: s, status: a, error_code: b }) },
    rl: { counter: counter('wabridge.rate_limit.errors', 'Rate-limit errors (130429, 131056, 4, 80007, 131048) by source', '{error}'), attrs: (s, a, b) => ({ phone_number_id: s, error_code: a, source: b }) },
    ev: { counter: counter('wabridge.webhook.events', 'Other webhook fields by field and event', '{event}'), attrs: (s, a, b) => ({ waba_id: s, field: a, event: b }) }
  }
  const messaging = (topic: string, partition: number): Attributes => ({
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': String(partition),
    'messaging.consumer.group.name': options.groupId
  })
  const consumed = meter.createCounter('messaging.client.consumed.messages', { description: 'Records consumed and folded', unit: '{message}' })
  const seconds = { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }
  const processDuration: Histogram = meter.createHistogram('messaging.process.duration', { description: 'Time to fold one fetched batch', unit: 's', advice: seconds })
  const invalid = counter('wabridge.metrics.invalid_records', 'Records that could not be decoded or folded (skipped)', '{record}')
  const flushes = counter('wabridge.changelog.flushes', 'Changelog transactions by outcome', '{transaction}')
  const flushRecords = counter('wabridge.changelog.records', 'Changelog records committed', '{record}')
  const flushDuration = meter.createHistogram('wabridge.changelog.flush.duration', { description: 'Duration of one changelog transaction', unit: 's', advice: seconds })

  const sendRate = meter.createObservableGauge('wabridge.send_rate', { description: 'Outbound results per second over the rate window', unit: '{message}/s' })
  const sendLimit = meter.createObservableGauge('wabridge.send_rate_limit', { description: 'Throughput limit of the number', unit: '{message}/s' })
  const usagePct = meter.createObservableGauge('wabridge.business_usage_percent', { description: 'Latest x-business-use-case-usage (highest field), percent', unit: '%' })
  const unique = meter.createObservableGauge('wabridge.unique_customers_24h', { description: 'Distinct customers reached in the rolling 24 h, per number', unit: '{customer}' })
  const wabaUnique = meter.createObservableGauge('wabridge.waba.unique_customers_24h', { description: 'Distinct customers reached in the rolling 24 h, per WABA', unit: '{customer}' })
  const messagingLimit = meter.createObservableGauge('wabridge.messaging_limit', { description: 'Messaging limit (unique customers per 24 h) of the WABA', unit: '{customer}' })
  const alertsActive = meter.createObservableGauge('wabridge.alerts.active', { description: 'Alerts firing, by rule', unit: '{alert}' })
  const dedupEntries = meter.createObservableGauge('wabridge.metrics.dedup.entries', { description: 'Dedup and status-lattice entries held for the owned partitions', unit: '{entry}' })
  const dedupBytes = meter.createObservableGauge('wabridge.metrics.dedup.memory', { description: 'Memory of the dedup entries of the owned partitions', unit: 'By' })
  const dedupEvicted = meter.createObservableGauge('wabridge.metrics.dedup.evicted', { description: 'Dedup entries the capacity (METRICS_DEDUP_MAX_ENTRIES) evicted before their TTL, since each owned partition was restored', unit: '{entry}' })
  const observables = [sendRate, sendLimit, usagePct, unique, wabaUnique, messagingLimit, alertsActive, dedupEntries, dedupBytes, dedupEvicted]

  const callback = (batch: BatchObservableResult) => {
    for (const g of gauges.numbers()) {
      const attrs = { phone_number_id: g.phoneNumberId, waba_id: g.wabaId }
      batch.observe(sendRate, g.sendRate, attrs)
      batch.observe(sendLimit, g.limit, attrs)
      batch.observe(usagePct, g.usagePct, attrs)
      batch.observe(unique, g.uniqueCustomers, attrs)
    }
    for (const w of gauges.wabas()) {
      batch.observe(wabaUnique, w.uniqueCustomers, { waba_id: w.wabaId })
      if (w.limit !== undefined && Number.isFinite(w.limit)) batch.observe(messagingLimit, w.limit, { waba_id: w.wabaId })
    }
    const active = new Map<string, { name: string, severity: string, n: number }>()
    for (const a of gauges.alerts()) {
      const key = `${a.name}|${a.severity}`
      const entry = active.get(key) ?? { name: a.name, severity: a.severity, n: 0 }
      entry.n++
      active.set(key, entry)
    }
    for (const { name, severity, n } of active.values()) batch.observe(alertsActive, n, { name, severity })
    const dedup = gauges.dedup()
    batch.observe(dedupEntries, dedup.entries)
    batch.observe(dedupBytes, dedup.bytes)
    batch.observe(dedupEvicted, dedup.evicted)
  }
  meter.addBatchObservableCallback(callback, observables)

  return {
    recordCommitted (deltas, numberInfo) {
      for (const { rest, delta } of deltas) {
        const k = parseCounterKey(rest)
        const u = k && usage[k.metric]
        if (!k || !u) continue
        u.counter.add(delta, u.attrs(k.scope, k.a, k.b, numberInfo(k.scope)?.wabaId ?? ''))
      }
    },
    recordConsumed (topic, partition, count, durationMs) {
      if (count > 0) consumed.add(count, messaging(topic, partition))
      processDuration.record(durationMs / 1000, messaging(topic, partition))
    },
    recordInvalid (topic, reason) { invalid.add(1, { 'messaging.destination.name': topic, reason }) },
    recordFlush (durationMs, records, ok) {
      flushes.add(1, { outcome: ok ? 'committed' : 'failed' })
      if (ok) flushRecords.add(records)
      flushDuration.record(durationMs / 1000)
    },
    stop () { meter.removeBatchObservableCallback(callback, observables) }
  }
}
