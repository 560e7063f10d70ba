import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alert, manualClock, produceAlerts, startApp, startReceiver, testEnv, waitFor } from './helpers.ts'

test('a silence created through the API suppresses matching alerts until it expires by itself; the API lists and expires silences', async (t) => {
  const hook = await startReceiver(t)
  const clock = manualClock()
  // The repeat interval is longer than the silence, so the unsilenced group does not repeat meanwhile.
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_GROUP_BY: 'name,scope', NOTIFIER_GROUP_INTERVAL_MS: '60000', NOTIFIER_REPEAT_INTERVAL_MS: '36000000' })
  const app = await startApp(t, env, { clock: clock.now })
  const post = (body: unknown) => fetch(`${app.url}/v1/silences`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  const bad = await post({ matchers: ['name'], duration_ms: 1000 })
  assert.equal(bad.status, 400)
  assert.equal((await bad.json() as { error: { code: string } }).error.code, 'NOTIFIER_BAD_SILENCE')

  const created = await post({ matchers: ['name=throughput_near_limit', { name: 'scope', op: 're', value: 'phone_number:1.*' }], duration_ms: 2 * 3600_000, comment: 'campaign', created_by: 'test' })
  assert.equal(created.status, 201)
  const silence = await created.json() as { id: string, state: string, ends_at: number }
  assert.equal(silence.state, 'active')
  assert.equal(silence.ends_at, clock.now() + 2 * 3600_000)

  const silenced = alert({ scope: 'phone_number:1' })
  const loud = alert({ scope: 'phone_number:2' })
  await produceAlerts(t, env.TOPIC_PREFIX!, [silenced, loud])
  await waitFor('alerts read', () => app.firing().length === 2)
  await waitFor('the unsilenced alert notified', () => hook.received.length >= 1)
  assert.deepEqual(hook.received[0]!.body.alerts.map((a: { fingerprint: string }) => a.fingerprint), [loud.alert_id])

  clock.advance(60_000)
  app.tick()
  await waitFor('idle', () => app.isIdle())
  assert.equal(hook.received.length, 1, 'still silenced')

  // The silence ends by the clock alone: the alert is notified at its group's next interval.
  clock.advance(2 * 3600_000)
  await waitFor('the alert after the silence expired', () => hook.received.length >= 2)
  await waitFor('idle', () => app.isIdle())
  assert.equal(hook.received.length, 2)
  assert.deepEqual(hook.received[1]!.body.alerts.map((a: { fingerprint: string }) => a.fingerprint), [silenced.alert_id])
  const list = await (await fetch(`${app.url}/v1/silences?all=true`)).json() as { silences: Array<{ id: string, state: string }> }
  assert.deepEqual(list.silences.map((s) => [s.id, s.state]), [[silence.id, 'expired']])
  assert.deepEqual((await (await fetch(`${app.url}/v1/silences`)).json() as { silences: unknown[] }).silences, [])

  // DELETE expires at once.
  const other = await (await post({ matchers: ['severity=critical'], duration_ms: 3600_000 })).json() as { id: string }
  const deleted = await fetch(`${app.url}/v1/silences/${other.id}`, { method: 'DELETE' })
  assert.equal(deleted.status, 200)
  assert.equal((await deleted.json() as { state: string }).state, 'expired')
  assert.equal((await fetch(`${app.url}/v1/silences/nope`, { method: 'DELETE' })).status, 404)
})

test('silences live in Kafka: an instance started later honours a silence another one created', async (t) => {
  const hook = await startReceiver(t)
  const env = testEnv({ NOTIFIER_WEBHOOK_URL: hook.url, NOTIFIER_GROUP_BY: 'scope' })
  const first = await startApp(t, env)
  const created = await fetch(`${first.url}/v1/silences`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matchers: ['severity=critical'], duration_ms: 3600_000 }) })
  assert.equal(created.status, 201)
  await first.stop()

  const second = await startApp(t, env)
  assert.equal(((await (await fetch(`${second.url}/v1/silences`)).json()) as { silences: unknown[] }).silences.length, 1)
  const critical = alert({ scope: 'phone_number:1', severity: 'critical' })
  const warning = alert({ scope: 'phone_number:2' })
  await produceAlerts(t, env.TOPIC_PREFIX!, [critical, warning])
  await waitFor('the unsilenced alert', () => hook.received.length >= 1)
  second.tick()
  await waitFor('idle', () => second.isIdle())
  assert.deepEqual(hook.received.map((r) => r.body.alerts[0].fingerprint), [warning.alert_id])
})

test('with NOTIFIER_ADMIN_TOKEN the silences API needs it as a bearer token; probes stay open', async (t) => {
  const app = await startApp(t, testEnv({ NOTIFIER_ADMIN_TOKEN: 'adm1n' }))
  const without = await fetch(`${app.url}/v1/silences`)
  assert.equal(without.status, 401)
  assert.equal((await without.json() as { error: { code: string } }).error.code, 'NOTIFIER_UNAUTHORIZED')
  assert.equal((await fetch(`${app.url}/v1/silences`, { headers: { authorization: 'Bearer wrong' } })).status, 401)
  assert.equal((await fetch(`${app.url}/v1/silences`, { headers: { authorization: 'Bearer adm1n' } })).status, 200)
  assert.equal((await fetch(`${app.url}/readyz`)).status, 200)
})
