import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alert, manualClock, produceAlerts, resolvedOf, startApp, startReceiver, testEnv, waitFor } from './helpers.ts'

test('a restarted notifier neither notifies firing alerts again nor forgets to send their resolved notice', async (t) => {
  const hook = await startReceiver(t)
  const clock = manualClock()
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_GROUP_BY: 'scope', KAFKA_TOPIC_PARTITIONS: '2' })
  const a1 = alert({ scope: 'phone_number:1' })
  const a2 = alert({ scope: 'phone_number:2' })
  const first = await startApp(t, env, { clock: clock.now })
  await produceAlerts(t, env.TOPIC_PREFIX!, [a1, a2])
  await waitFor('both notified', () => hook.received.length >= 2)
  await waitFor('idle', () => first.isIdle())
  await first.stop()

  // A second instance reads wa.alerts and the notification log from Kafka alone.
  clock.advance(120_000)
  const second = await startApp(t, env, { clock: clock.now })
  await waitFor('alerts read again', () => second.firing().length === 2)
  await waitFor('partitions read up', async () => {
    const body = await (await fetch(`${second.url}/readyz`)).json() as { checks: { partitions: { detail: string } } }
    return body.checks.partitions.detail === '2 of 2 alert partitions read up'
  })
  clock.advance(120_000)
  second.tick()
  await waitFor('idle', () => second.isIdle())
  assert.equal(hook.received.length, 2, 'no second firing notification')

  await produceAlerts(t, env.TOPIC_PREFIX!, [resolvedOf(a1, clock.now())])
  await waitFor('resolved read', () => second.firing().length === 1)
  clock.advance(60_000)
  await waitFor('the resolved notice', () => hook.received.length >= 3)
  assert.equal(hook.received[2]!.body.status, 'resolved')
  assert.deepEqual(hook.received[2]!.body.alerts.map((a: { fingerprint: string }) => a.fingerprint), [a1.alert_id])
})

test('two instances share the alert partitions: each group is notified once', async (t) => {
  const hook = await startReceiver(t)
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_GROUP_BY: 'scope', KAFKA_TOPIC_PARTITIONS: '4' })
  const one = await startApp(t, env)
  const two = await startApp(t, env)
  const readyOf = async (url: string | undefined) => ((await (await fetch(`${url}/readyz`)).json()) as { checks: { partitions: { detail: string } } }).checks.partitions.detail
  await waitFor('the partitions split', async () => {
    const [a, b] = [await readyOf(one.url), await readyOf(two.url)]
    return /^(\d) of \1 /.test(a) && /^(\d) of \1 /.test(b) && a !== '0 of 0 alert partitions read up' && b !== '0 of 0 alert partitions read up'
  })
  const alerts = Array.from({ length: 8 }, (_, i) => alert({ scope: `phone_number:${100 + i}` }))
  await produceAlerts(t, env.TOPIC_PREFIX!, alerts)
  await waitFor('every group notified', () => hook.received.length >= 8)
  await waitFor('both idle', () => one.isIdle() && two.isIdle())
  assert.equal(one.firing().length + two.firing().length, 8, 'each alert is on one instance')
  one.tick()
  two.tick()
  await waitFor('both idle', () => one.isIdle() && two.isIdle())
  assert.deepEqual(hook.received.map((r) => r.body.alerts[0].fingerprint).sort(), alerts.map((a) => a.alert_id).sort())
})
