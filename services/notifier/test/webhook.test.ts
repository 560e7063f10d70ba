import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alert, manualClock, produceAlerts, receiversFile, resolvedOf, startApp, startReceiver, testEnv, waitFor } from './helpers.ts'

test('alerts that fire together reach a webhook as one grouped notification, then a resolved notice, then a repeat after repeat_interval', async (t) => {
  const hook = await startReceiver(t)
  const clock = manualClock()
  const file = receiversFile({
    receivers: [{ name: 'ops', type: 'webhook', url: hook.url, headers: { authorization: 'Bearer t0k' } }],
    routes: [{ matchers: ['name=throughput_near_limit'], receivers: ['ops'], group_by: ['name'], group_wait_ms: 30_000, group_interval_ms: 60_000, repeat_interval_ms: 3_600_000 }]
  })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file })
  const app = await startApp(t, env, { clock: clock.now })
  const a1 = alert({ scope: 'phone_number:1' })
  const a2 = alert({ scope: 'phone_number:2' })
  const other = alert({ name: 'quality_update', scope: 'phone_number:1' })
  await produceAlerts(t, env.TOPIC_PREFIX!, [a1, a2, other])
  await waitFor('both alerts read', () => app.firing().length === 3)
  app.tick()
  assert.equal(hook.calls(), 0, 'nothing before group_wait')

  clock.advance(30_000)
  await waitFor('the grouped notification', () => hook.received.length >= 1)
  const [first] = hook.received
  assert.equal(first!.headers.authorization, 'Bearer t0k')
  assert.equal(first!.body.version, '4')
  assert.equal(first!.body.status, 'firing')
  assert.equal(first!.body.receiver, 'ops')
  assert.deepEqual(first!.body.groupLabels, { name: 'throughput_near_limit' })
  assert.deepEqual(first!.body.alerts.map((a: { fingerprint: string }) => a.fingerprint).sort(), [a1.alert_id, a2.alert_id].sort())
  assert.equal(first!.body.alerts[0].labels.alertname, 'throughput_near_limit')
  assert.equal(first!.body.commonLabels.name, 'throughput_near_limit')
  assert.equal(first!.body.alerts[0].endsAt, '0001-01-01T00:00:00Z')

  // Nothing changed: later flushes within repeat_interval send nothing.
  clock.advance(60_000)
  app.tick()
  await waitFor('idle', () => app.isIdle())
  assert.equal(hook.received.length, 1)

  // One alert resolves: at the next group interval the receiver hears of it.
  await produceAlerts(t, env.TOPIC_PREFIX!, [resolvedOf(a1, clock.now())])
  await waitFor('the resolved record read', () => app.firing().length === 2)
  clock.advance(60_000)
  await waitFor('the resolved notice', () => hook.received.length >= 2)
  const second = hook.received[1]!.body
  assert.equal(second.status, 'firing', 'a2 still fires')
  assert.deepEqual(second.alerts.map((a: { fingerprint: string, status: string }) => [a.fingerprint, a.status]), [[a2.alert_id, 'firing'], [a1.alert_id, 'resolved']])
  assert.notEqual(second.alerts[1].endsAt, '0001-01-01T00:00:00Z')

  // a2 still fires after repeat_interval: it is notified again. The notice above must be settled first: a
  // delivery still in flight when the clock jumps would record the later time as a2's last notification.
  await waitFor('idle after the resolved notice', () => app.isIdle())
  clock.advance(3_600_000)
  await waitFor('the repeat', () => hook.received.length >= 3)
  assert.deepEqual(hook.received[2]!.body.alerts.map((a: { fingerprint: string }) => a.fingerprint), [a2.alert_id])

  // The last one resolves: a resolved notice, then silence.
  await produceAlerts(t, env.TOPIC_PREFIX!, [resolvedOf(a2, clock.now())])
  await waitFor('a2 resolved read', () => app.firing().length === 1)
  clock.advance(60_000)
  await waitFor('the last resolved notice', () => hook.received.length >= 4)
  assert.equal(hook.received[3]!.body.status, 'resolved')
  clock.advance(3_600_000)
  app.tick()
  await waitFor('idle', () => app.isIdle())
  assert.equal(hook.received.length, 4, 'quality_update matched no route: never sent; nothing after the group resolved')
})
