import assert from 'node:assert/strict'
import { test } from 'node:test'
import { metrics } from '@opentelemetry/api'
import type { Alert } from '@wabridge/schemas'
import { createHttpRequestMetrics } from '@wabridge/process'
import { startTelemetry } from '@wabridge/telemetry'
import { createEgressMetrics } from '../../services/egress/src/egress-metrics.ts'
import { createIngressMetrics } from '../../services/ingress/src/metrics.ts'
import { createInstruments } from '../../services/metrics/src/instruments.ts'
import { documentedMetricNames, exportedFamilies, type Service } from './documented-metrics.ts'

/** Records through every method of a service's instruments once, as its code does. */
const exercise: Record<Service, () => void> = {
  ingress () {
    const m = createIngressMetrics(metrics.getMeter('@wabridge/ingress'))
    m.request('POST', 200, 3.5)
    m.records('wa.inbound.messages', 2)
    m.duplicates('wa.inbound.messages', 'recent', 1)
    m.produced(2.5, true)
    m.truncated('wa.inbound.raw')
  },
  egress () {
    const m = createEgressMetrics({ buffered: () => 3, inFlight: () => 1 })
    m.send('1001', 'accepted', 120, undefined)
    m.send('1001', 'retry_now', 80, 130429)
    m.result('1001', 'accepted', null)
    m.result('1001', 'failed', 131026)
    m.skipped('already-final')
    m.invalid()
    m.transaction(40, 12)
    m.settled('status_webhook')
    m.windowSend('1001', { csw: 'inside', fep: 'outside', type: 'free_form' })
    m.windowRefused('1001')
    m.windowUnconfirmed('1001')
    m.templateRefused('1001', 132000)
    m.mediaUpload('1001', 'uploaded')
  },
  metrics () {
    const alert = { name: 'throughput', severity: 'warning' } as Alert
    const m = createInstruments(metrics.getMeter('wabridge-metrics'), { groupId: 'g' }, {
      numbers: () => [{ phoneNumberId: '1001', wabaId: 'w1', sendRate: 10, limit: 80, usagePct: 5, uniqueCustomers: 3 }],
      wabas: () => [{ wabaId: 'w1', uniqueCustomers: 3, limit: 1000 }],
      alerts: () => [alert],
      dedup: () => ({ entries: 10, bytes: 240, evicted: 1 })
    })
    const deltas = ['in', 'st', 'sterr', 'bill', 'conv', 'res', 'rl', 'ev'].map((metric) => ({ rest: `c|d|0|${metric}|1001|a|b`, delta: 1 }))
    m.recordCommitted(deltas, () => ({ wabaId: 'w1', display: '+1 555' }))
    m.recordConsumed('wa.inbound.messages', 0, 5, 12)
    m.recordInvalid('wa.inbound.messages', 'undecodable')
    m.recordFlush(30, 4, true)
  },
  http () {
    const m = createHttpRequestMetrics(metrics.getMeter('wabridge-http'))
    m.request('GET', '/readyz', 200, 0.002)
    m.request('POST', undefined, 404, 0.001)
  }
}

for (const service of ['ingress', 'egress', 'metrics', 'http'] as const) {
  test(`${service}: the Prometheus names its README documents are exactly the ones it exports, durations in seconds`, async (t) => {
    const documented = await documentedMetricNames(service)
    assert.ok(documented.length >= (service === 'http' ? 2 : 5), `found the ${service} README's table: ${documented.join(', ')}`)
    const handle = await startTelemetry({ serviceName: `names-${service}`, prometheusPort: 0 })
    t.after(() => handle.shutdown())
    exercise[service]()
    const families = exportedFamilies(await (await fetch(handle.prometheusUrl!)).text())
    assert.deepEqual([...families.keys()].sort(), documented)
    for (const [name, family] of families) {
      assert.ok(family.samples > 0, `${name} has samples`)
      if (family.type === 'histogram') {
        assert.match(name, /_duration$/, `${name}: histograms are durations`)
        assert.equal(family.unit, 's', `${name} is in seconds`)
      }
    }
  })
}
