import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTelemetry } from '@wabridge/telemetry'
import { PN1, PN2, WABA } from './fixtures/records.ts'
import { DAILY_QUERY, expectedDaily, scenario, T0 } from './fixtures/scenario.ts'
import { pollUntilEqual, produce, startApp, testEnv, testKafka, waitFor } from './helpers.ts'

interface Sample { name: string, labels: Record<string, string>, value: number }

function parse (text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

/** Sum of the samples of `name` whose labels include `match`. */
function sum (samples: Sample[], name: string, match: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0)
}

test('the Prometheus endpoint serves the counters, scraped over HTTP', async (t) => {
  const telemetry = await startTelemetry({ serviceName: 'metrics-test', prometheusPort: 0 })
  t.after(() => telemetry.shutdown())
  const env = testEnv()
  const app = await startApp(t, env, { clock: () => T0 + 60 * 60_000 })
  await produce(testKafka(), env.TOPIC_PREFIX!, scenario(1))
  assert.deepStrictEqual(await pollUntilEqual(`${app.url}/v1/usage?${DAILY_QUERY}`, expectedDaily(1), 20_000), expectedDaily(1))

  let samples: Sample[] = []
  await waitFor(async () => {
    samples = parse(await (await fetch(telemetry.prometheusUrl!)).text())
    return sum(samples, 'messaging_client_consumed_messages_total') === 22 && sum(samples, 'wabridge_send_rate_limit') > 0
  }, 10_000, 'counters on /metrics')

  const pn1 = { phone_number_id: PN1, waba_id: WABA }
  assert.equal(sum(samples, 'wabridge_inbound_messages_total', { ...pn1, type: 'text' }), 2)
  assert.equal(sum(samples, 'wabridge_inbound_messages_total', { ...pn1, type: 'image' }), 1)
  assert.equal(sum(samples, 'wabridge_inbound_messages_total', { phone_number_id: PN2, type: 'interactive' }), 1)
  assert.equal(sum(samples, 'wabridge_statuses_total', { ...pn1, status: 'sent' }), 2)
  assert.equal(sum(samples, 'wabridge_statuses_total', { ...pn1, status: 'read' }), 2)
  assert.equal(sum(samples, 'wabridge_statuses_total', { ...pn1, status: 'failed' }), 2)
  assert.equal(sum(samples, 'wabridge_billable_messages_total', { pricing_category: 'utility', pricing_type: 'regular' }), 1)
  assert.equal(sum(samples, 'wabridge_billable_messages_total', { pricing_category: 'marketing' }), 1)
  assert.equal(sum(samples, 'wabridge_billable_messages_total'), 3)
  assert.equal(sum(samples, 'wabridge_outbound_results_total', { phone_number_id: PN1, status: 'failed', error_code: '131026' }), 1)
  assert.equal(sum(samples, 'wabridge_outbound_results_total', { phone_number_id: PN1, status: 'accepted' }), 2)
  assert.equal(sum(samples, 'wabridge_rate_limit_errors_total', { phone_number_id: PN1 }), 2)
  assert.equal(sum(samples, 'wabridge_conversations_total', { origin: 'marketing' }), 1)
  assert.equal(sum(samples, 'wabridge_send_rate_limit', { phone_number_id: PN1 }), 80)
  assert.equal(sum(samples, 'messaging_client_consumed_messages_total', {
    messaging_system: 'kafka',
    messaging_destination_name: `${env.TOPIC_PREFIX}.inbound.statuses`,
    messaging_consumer_group_name: env.METRICS_GROUP_ID!
  }), 10)
})
