import assert from 'node:assert/strict'
import { test } from 'node:test'
import { api, numbers, PHONE, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('a campaign runs to completion: bulk requests cmp.{id}.{n} with the template filled and metadata echoed, live progress, statuses counted', async (t) => {
  const env = testEnv()
  const app = await startApp(t, env, { reach: null })
  const egress = await startFakeEgress(t, env, { answer: (r) => r.to.endsWith('0003') ? 'failed' : 'accepted' })
  const recipients = [...numbers(5).map((to, i) => ({ to, name: `N${i}` })), { to: numbers(1)[0], name: 'dup' }, { to: 'bad', name: 'x' }]
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'welcome', phone_number_id: PHONE, template: TEMPLATE, metadata: { team: 'crm' }, recipients })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const id = created.body.id as string
  assert.equal(created.body.state, 'draft')
  assert.deepEqual(created.body.audience.invalid_rows, [{ line: 7, reason: '\'bad\' is not a phone number' }])
  assert.equal(created.body.audience.size, 5)
  assert.equal(created.body.audience.duplicates, 1)

  const started = await api(app, 'POST', `/v1/campaigns/${id}/start`)
  assert.equal(started.status, 200, JSON.stringify(started.body))
  assert.ok(['running', 'completed'].includes(started.body.state))
  await waitFor('5 requests', () => egress.requests.length >= 5 || undefined)
  const byId = new Map(egress.requests.map((r) => [r.request_id, r]))
  for (let i = 0; i < 5; i++) {
    const r = byId.get(`cmp.${id}.${i}`)
    assert.ok(r, `request ${i}`)
    assert.equal(r.priority, 'bulk')
    assert.equal(r.phone_number_id, PHONE)
    assert.deepEqual(r.metadata, { team: 'crm', campaign_id: id })
    assert.equal(JSON.parse(r.message_json).template.components[0].parameters[0].text, `N${i}`)
  }
  await egress.status(`cmp.${id}.0`, 'delivered')
  await egress.status(`cmp.${id}.1`, 'read')
  await egress.status(`cmp.${id}.1`, 'read') // twice: counted once
  const done = await waitFor('completed with statuses counted', async () => {
    const c = (await api(app, 'GET', `/v1/campaigns/${id}`)).body
    return c.state === 'completed' && c.progress.delivered === 2 && c.progress.read === 1 ? c : undefined
  })
  assert.deepEqual(done.progress, { queued: 0, sent: 4, delivered: 2, read: 1, failed: 1, suppressed: 0, skipped: 0, deferred: 0, failed_by_code: { 131026: 1 }, pending: 0 })
  assert.equal(egress.requests.length, 5)
  const listed = await api(app, 'GET', '/v1/campaigns?state=completed')
  assert.deepEqual(listed.body.campaigns.map((c: { id: string }) => c.id), [id])
  // A finished campaign cannot be started again.
  const again = await api(app, 'POST', `/v1/campaigns/${id}/start`)
  assert.equal(again.status, 409)
  assert.equal(again.body.error.code, 'CAMPAIGNS_CONFLICT')
})

test('pause stops releases at the next tick, resume continues where it was, cancel skips the rest', async (t) => {
  const env = testEnv()
  let mono = 0 // the pacing clock: nothing is released unless the test moves it
  const app = await startApp(t, env, { reach: null, monotonic: () => mono })
  const egress = await startFakeEgress(t, env)
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'p', phone_number_id: PHONE, template: TEMPLATE, rate_cap_mps: 10, recipients: numbers(40).map((to) => ({ to, name: 'x' })) })
  const id = created.body.id as string
  const get = async () => (await api(app, 'GET', `/v1/campaigns/${id}`)).body
  assert.equal((await api(app, 'POST', `/v1/campaigns/${id}/start`)).status, 200)
  mono += 1000
  await waitFor('first releases', () => egress.requests.length > 0 || undefined)
  const paused = await api(app, 'POST', `/v1/campaigns/${id}/pause`)
  assert.equal(paused.status, 200)
  assert.equal(paused.body.state, 'paused')
  // The pause was applied in a tick whose transaction also holds everything released before it.
  const releasedAtPause = paused.body.progress.queued + paused.body.progress.sent
  await waitFor('the released requests', () => egress.requests.length === releasedAtPause || undefined)
  mono += 5000
  await app.tick()
  await app.tick()
  assert.equal(egress.requests.length, releasedAtPause, 'nothing released while paused')
  assert.equal((await get()).progress.pending, 40 - releasedAtPause)

  assert.equal((await api(app, 'POST', `/v1/campaigns/${id}/resume`)).body.state, 'running')
  mono += 1000
  await waitFor('releases after resume', () => egress.requests.length > releasedAtPause || undefined)
  const cancelled = await api(app, 'POST', `/v1/campaigns/${id}/cancel`)
  assert.equal(cancelled.body.state, 'cancelled')
  const releasedAtCancel = cancelled.body.progress.queued + cancelled.body.progress.sent
  assert.equal(cancelled.body.progress.skipped, 40 - releasedAtCancel)
  mono += 5000
  await app.tick()
  await waitFor('the released requests', () => egress.requests.length === releasedAtCancel || undefined)
  const ids = egress.requests.map((r) => Number(r.request_id!.split('.')[2]))
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'released in audience order')
  assert.equal(new Set(ids).size, ids.length, 'nobody twice')
  await waitFor('sent counted after the cancel', async () => (await get()).progress.sent === releasedAtCancel || undefined)
})
