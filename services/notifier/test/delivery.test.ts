import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alert, manualClock, produceAlerts, receiversFile, startApp, startReceiver, testEnv, waitFor } from './helpers.ts'

test('a failing receiver is retried with backoff until it accepts', async (t) => {
  const hook = await startReceiver(t, (_req, res, n) => {
    if (n <= 2) { res.statusCode = 503; res.end('busy'); return }
    (res as typeof res & { record: () => void }).record()
    res.end('ok')
  })
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_RETRIES: '4' })
  await startApp(t, env)
  await produceAlerts(t, env.TOPIC_PREFIX!, [alert()])
  await waitFor('the delivery after two refusals', () => hook.received.length >= 1)
  assert.equal(hook.calls(), 3)
})

test('a 4xx refusal is not retried', async (t) => {
  const hook = await startReceiver(t, (_req, res) => { res.statusCode = 400; res.end('no') })
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_RETRIES: '4' })
  const app = await startApp(t, env)
  await produceAlerts(t, env.TOPIC_PREFIX!, [alert()])
  await waitFor('one attempt', () => hook.calls() >= 1)
  await waitFor('idle', () => app.isIdle())
  assert.equal(hook.calls(), 1)
})

test('a hanging receiver does not delay another receiver', async (t) => {
  const hanging = await startReceiver(t, () => { /* never answers */ })
  const fast = await startReceiver(t)
  const file = receiversFile({
    receivers: [
      { name: 'hangs', type: 'webhook', url: hanging.url, timeout_ms: 60_000, retries: 0 },
      { name: 'fast', type: 'webhook', url: fast.url }
    ]
  })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file, NOTIFIER_GROUP_BY: 'scope' })
  await startApp(t, env)
  const alerts = [alert({ scope: 'phone_number:1' }), alert({ scope: 'phone_number:2' }), alert({ scope: 'phone_number:3' })]
  await produceAlerts(t, env.TOPIC_PREFIX!, alerts)
  await waitFor('every group at the fast receiver', () => fast.received.length >= 3)
  assert.equal(hanging.calls(), 1, 'the hanging receiver still holds its first request')
})

test('a receiver gets at most its rate; the excess waits in its queue and is delivered, merged per group', async (t) => {
  const hook = await startReceiver(t)
  const clock = manualClock()
  const file = receiversFile({ receivers: [{ name: 'slow', type: 'webhook', url: hook.url, rate: { per_minute: 1, burst: 2 } }] })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file, NOTIFIER_GROUP_BY: 'scope' })
  const app = await startApp(t, env, { clock: clock.now })
  await produceAlerts(t, env.TOPIC_PREFIX!, [1, 2, 3, 4].map((i) => alert({ scope: `phone_number:${i}` })))
  await waitFor('alerts read', () => app.firing().length === 4)
  await waitFor('the burst', () => hook.received.length >= 2)
  app.tick()
  assert.equal(hook.received.length, 2, 'no token left until the clock moves')
  clock.advance(60_000)
  await waitFor('one more after a minute', () => hook.received.length >= 3)
  clock.advance(60_000)
  await waitFor('the last one', () => hook.received.length >= 4)
  const scopes = hook.received.map((r) => r.body.alerts[0].labels.scope).sort()
  assert.deepEqual(scopes, ['phone_number:1', 'phone_number:2', 'phone_number:3', 'phone_number:4'])
})

test('a webhook that never answers fails each attempt at the receiver\'s timeout, and is retried', async (t) => {
  const hanging = await startReceiver(t, () => { /* never answers */ })
  const file = receiversFile({ receivers: [{ name: 'hangs', type: 'webhook', url: hanging.url, timeout_ms: 300, retries: 1 }] })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file })
  const app = await startApp(t, env)
  await produceAlerts(t, env.TOPIC_PREFIX!, [alert()])
  await waitFor('two attempts', () => hanging.calls() >= 2)
  await waitFor('given up', () => app.isIdle())
  assert.equal(hanging.calls(), 2)
})
