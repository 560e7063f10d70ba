import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DISPLAY, event, PN1, result, status, WABA } from './fixtures/records.ts'
import { T0, type TestRecord } from './fixtures/scenario.ts'
import { getJson, produce, readAlerts, startApp, testEnv, testKafka, waitFor } from './helpers.ts'

const HOUR = 60 * 60_000

test('each alert fires once when it crosses its threshold and resolves once, across a restart', async (t) => {
  const env = testEnv({
    METRICS_DEFAULT_MPS: '10',
    METRICS_RATE_WINDOW_MS: '1000',
    METRICS_THROUGHPUT_FOR_MS: '1000',
    METRICS_RATE_LIMIT_ERRORS_THRESHOLD: '3'
  })
  let now = T0
  const clock = () => now
  // Moves the clock and waits for two complete ticks at the new time over all 12 input partitions.
  let ticked: Array<{ at: number, resolve: () => void, left: number }> = []
  const onTick = (at: number, partitions: number) => {
    for (const w of ticked) if (w.at === at && partitions === 12 && --w.left === 0) w.resolve()
    ticked = ticked.filter((w) => w.left > 0)
  }
  const step = (to: number) => new Promise<void>((resolve) => { now = to; ticked.push({ at: to, resolve, left: 2 }) })
  const kafka = testKafka()
  let app = await startApp(t, env, { clock, onTick })

  const records: TestRecord[] = []
  // 12 results a second from T0-3s to T0+6s: 12 msg/s against a limit of 10 (alert at 9, resolves below 8).
  for (let s = -3; s < 6; s++) {
    for (let i = 0; i < 12; i++) records.push({ source: 'r', key: PN1, value: result({ pn: PN1, id: `burst${s}-${i}`, status: 'accepted', t: T0 + s * 1000 + i * 80 }) })
  }
  // Three rate-limit errors within the minute (threshold 3), one with a usage header at 85%.
  for (let i = 0; i < 3; i++) records.push({ source: 'r', key: PN1, value: result({ pn: PN1, id: `rl${i}`, status: 'failed', code: 130429, t: T0 - 500 + i }) })
  records.push({ source: 'r', key: PN1, value: result({ pn: PN1, id: 'usage', status: 'accepted', t: T0, usage: 85 }) })
  // A messaging limit of 5 from a webhook; 4 users reached by a template outside their window (80% of 5).
  const e = (field: string, id: string, value: Record<string, unknown>) => records.push({ source: 'e', key: WABA, value: event({ field, id, t: T0, value }) })
  e('business_capability_update', 'ev-cap', { max_daily_conversations_per_business: 5 })
  for (let i = 0; i < 4; i++) {
    const to = `1650555000${i}`
    records.push({ source: 'r', key: PN1, value: result({ pn: PN1, id: `reach${i}`, status: 'accepted', t: T0 - 1000 + i, to, type: 'template', windowOpen: false }) })
  }
  // The statuses teach the number's WABA (results do not name it).
  records.push({ source: 's', key: `${PN1}:16505550000`, value: status({ pn: PN1, to: '16505550000', wamid: 'wamid.reach0', status: 'sent', t: T0 - 1000 }) })
  // Webhook alerts: a template paused (approved again later), a policy violation, quality RED.
  e('message_template_status_update', 'ev-paused', { event: 'PAUSED', message_template_id: 777, message_template_name: 'promo', message_template_language: 'en_US', reason: null })
  e('message_template_status_update', 'ev-paused-again', { event: 'PAUSED', message_template_id: 777, message_template_name: 'promo', message_template_language: 'en_US', reason: 'repeat' })
  e('account_update', 'ev-violation', { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } })
  e('phone_number_quality_update', 'ev-red', { display_phone_number: DISPLAY[PN1], quality_score: 'RED' })
  await produce(kafka, env.TOPIC_PREFIX!, records)

  // Let everything be folded and committed before the clock moves.
  await waitFor(async () => (await getJson(`${app.url}/v1/alerts`)).body.data.length >= 3, 20_000, 'webhook alerts')
  for (let s = 0; s <= 12; s++) {
    if (s === 5) {
      await produce(kafka, env.TOPIC_PREFIX!, [{ source: 'e', key: WABA, value: event({ field: 'message_template_status_update', id: 'ev-approved', t: T0 + s * 1000, value: { event: 'APPROVED', message_template_id: 777, message_template_name: 'promo', message_template_language: 'en_US' } }) }])
    }
    await step(T0 + s * 1000)
  }
  await waitFor(async () => (await getJson(`${app.url}/v1/alerts`)).body.data.length === 5, 10_000, 'five alerts firing')
  const active = (await getJson(`${app.url}/v1/alerts`)).body.data.map((a: { name: string, scope: string }) => `${a.name}:${a.scope}`).sort()
  assert.deepStrictEqual(active, [
    `account_violation:waba:${WABA}`,
    `business_usage_high:phone_number:${PN1}`,
    `messaging_limit_near:portfolio:${WABA}`,
    `phone_quality_red:display_phone_number:${DISPLAY[PN1]}`,
    `rate_limit_errors:phone_number:${PN1}`
  ])

  // Restart while five alerts fire: the new instance restores their state and does not fire them again.
  await app.stop()
  app = await startApp(t, env, { clock, onTick })
  await step(T0 + 13_000)
  // A day later every window has cleared and the webhook alerts expired (24 h).
  await step(T0 + 25 * HOUR)
  await waitFor(async () => (await getJson(`${app.url}/v1/alerts`)).body.data.length === 0, 20_000, 'every alert resolved')

  const seen = await readAlerts(kafka, env.TOPIC_PREFIX!, 14)
  const byKey = new Map<string, string[]>()
  for (const { key, value } of seen) {
    assert.equal(key, `${value.name}:${value.scope}`)
    byKey.set(key, [...(byKey.get(key) ?? []), value.state])
  }
  assert.deepStrictEqual(Object.fromEntries([...byKey].sort()), {
    [`account_violation:waba:${WABA}`]: ['firing', 'resolved'],
    [`business_usage_high:phone_number:${PN1}`]: ['firing', 'resolved'],
    [`messaging_limit_near:portfolio:${WABA}`]: ['firing', 'resolved'],
    [`phone_quality_red:display_phone_number:${DISPLAY[PN1]}`]: ['firing', 'resolved'],
    [`rate_limit_errors:phone_number:${PN1}`]: ['firing', 'resolved'],
    'template_paused:template:777': ['firing', 'resolved'],
    [`throughput_near_limit:phone_number:${PN1}`]: ['firing', 'resolved']
  })
  const throughput = seen.filter((a) => a.value.name === 'throughput_near_limit').map((a) => a.value)
  assert.equal(throughput[0]!.threshold, 9)
  assert.equal(throughput[0]!.alert_id, throughput[1]!.alert_id)
  assert.ok(throughput[0]!.value >= 9)
  assert.ok(throughput[1]!.value < 8)
})
