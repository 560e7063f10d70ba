import assert from 'node:assert/strict'
import { test } from 'node:test'
import { partitionOf } from '../src/partition-of.ts'
import { api, numbers, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('two instances: each owns the campaigns of the numbers keyed to its partition; commands over HTTP reach the owner from either', async (t) => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '2' })
  // Two numbers on different commands partitions.
  const a = '106540352242922'
  let b = 106540352242923
  while (partitionOf(String(b), 2) === partitionOf(a, 2)) b++
  const first = await startApp(t, env, { reach: null })
  const second = await startApp(t, env, { reach: null }, { waitOwned: false })
  await waitFor('one partition each', () => (first.owned().length === 1 && second.owned().length === 1) || undefined, 90_000)
  const egress = await startFakeEgress(t, env)

  const ids: string[] = []
  for (const [app, pn] of [[first, a], [second, String(b)]] as const) {
    const created = await api(app, 'POST', '/v1/campaigns', { name: pn, phone_number_id: pn, template: TEMPLATE, rate_cap_mps: 50, recipients: numbers(30).map((to) => ({ to, name: 'x' })) })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    ids.push(created.body.id)
  }
  // Started through the other instance: the command goes to the owner through the commands topic.
  assert.equal((await api(second, 'POST', `/v1/campaigns/${ids[0]}/start`)).body.state, 'running')
  assert.equal((await api(first, 'POST', `/v1/campaigns/${ids[1]}/start`)).body.state, 'running')
  for (const id of ids) {
    await waitFor(`campaign ${id} completed`, async () => (await api(first, 'GET', `/v1/campaigns/${id}`)).body.state === 'completed' || undefined, 60_000)
  }
  assert.equal(egress.requests.length, 60)
  assert.deepEqual(new Set(egress.requests.map((r) => r.phone_number_id)), new Set([a, String(b)]))
  // Both instances answer for both campaigns (every instance reads the campaigns topic whole).
  assert.equal((await api(second, 'GET', '/v1/campaigns?state=completed')).body.campaigns.length, 2)
})
