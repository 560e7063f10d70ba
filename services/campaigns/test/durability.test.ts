import assert from 'node:assert/strict'
import { test } from 'node:test'
import { api, numbers, PHONE, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('a restarted service resumes a running campaign where it was, without sending anyone twice', async (t) => {
  const env = testEnv()
  const first = await startApp(t, env, { reach: null })
  const egress = await startFakeEgress(t, env)
  const created = await api(first, 'POST', '/v1/campaigns', { name: 'durable', phone_number_id: PHONE, template: TEMPLATE, rate_cap_mps: 100, recipients: numbers(300).map((to, i) => ({ to, name: `n${i}` })) })
  const id = created.body.id as string
  assert.equal((await api(first, 'POST', `/v1/campaigns/${id}/start`)).status, 200)
  await waitFor('some released', () => egress.requests.length >= 30 || undefined)
  await first.stop()
  const releasedBefore = egress.requests.length
  assert.ok(releasedBefore < 300, `stopped mid-campaign (${releasedBefore} released)`)

  const second = await startApp(t, env, { reach: null })
  const state = (await api(second, 'GET', `/v1/campaigns/${id}`)).body
  assert.equal(state.state, 'running')
  const done = await waitFor('completed after the restart', async () => {
    const c = (await api(second, 'GET', `/v1/campaigns/${id}`)).body
    return c.state === 'completed' ? c : undefined
  }, 60_000)
  const ids = egress.requests.map((r) => r.request_id)
  assert.equal(new Set(ids).size, ids.length, 'no request id released twice')
  assert.equal(ids.length, 300)
  assert.ok(egress.requests.length > releasedBefore)
  assert.equal(done.progress.sent, 300)
  assert.equal(done.progress.pending, 0)
})
