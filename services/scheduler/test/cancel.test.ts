import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { collect, decodeRequests, decodeResults, manualClock, request, requestsTopic, resultsTopic, schedule, startApp, testEnv, waitFor, waitIndexed } from './helpers.ts'

test('DELETE cancels a pending request: a cancelled result, never released; then 200 again, 409 after a release, 404 when unknown', async (t) => {
  const clock = manualClock()
  const env = testEnv()
  const app = await startApp(t, env, { clock: clock.now })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const results = await collect(t, resultsTopic(env.TOPIC_PREFIX!))
  const keep = request({ send_at: clock.now() + 30_000 })
  const drop = request({ send_at: clock.now() + 30_000, metadata: { order: '7' } })
  await schedule(env.TOPIC_PREFIX!, [keep, drop])
  await waitIndexed(app, 2)

  const del = (id: string) => fetch(`${app.url}/v1/scheduled/${encodeURIComponent(id)}`, { method: 'DELETE' })
  const cancelled = await del(drop.request_id!)
  assert.equal(cancelled.status, 200)
  assert.equal((await cancelled.json() as { state: string }).state, 'cancelled')
  await waitFor('the cancelled result', () => results.length === 1)
  const [result] = await decodeResults(results)
  assert.equal(result!.status, 'cancelled')
  assert.equal(result!.request_id, drop.request_id)
  assert.deepEqual(result!.metadata, { order: '7' })
  assert.equal(results[0]!.key!.toString(), drop.phone_number_id)

  clock.advance(30_000)
  await waitFor('the release', () => released.length === 1)
  await sleep(500)
  assert.deepEqual((await decodeRequests(released)).map((r) => r.request_id), [keep.request_id])
  assert.equal((await del(drop.request_id!)).status, 200, 'cancelling again answers the same')
  const late = await del(keep.request_id!)
  assert.equal(late.status, 409)
  assert.equal((await late.json() as { error: { code: string } }).error.code, 'SCHEDULER_ALREADY_RELEASED')
  assert.equal((await del('no-such-request')).status, 404)
  assert.equal((await fetch(`${app.url}/v1/scheduled/no-such-request`)).status, 404)
  assert.equal(results.length, 1)
})

test('a cancel reaching an instance that does not own the request is carried out by the owner', async (t) => {
  const clock = manualClock()
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '1' })
  const owner = await startApp(t, env, { clock: clock.now })
  const results = await collect(t, resultsTopic(env.TOPIC_PREFIX!))
  const r = request({ send_at: clock.now() + 365 * 24 * 3600_000 })
  await schedule(env.TOPIC_PREFIX!, [r])
  await waitFor('pending', async () => (await owner.api.get(r.request_id!))?.state === 'pending')
  // A second instance in another group owns nothing of this one's partitions: it only answers HTTP.
  const other = await startApp(t, { ...env, SCHEDULER_GROUP_ID: `${env.TOPIC_PREFIX}.other`, SCHEDULER_SCHEDULED_TOPIC: `${env.TOPIC_PREFIX}.other.scheduled`, SCHEDULER_PENDING_TOPIC: `${env.TOPIC_PREFIX}.scheduler.pending` }, { clock: clock.now })
  const got = await fetch(`${other.url}/v1/scheduled/${r.request_id}`)
  assert.equal(got.status, 200)
  const body = await got.json() as { state: string, send_at: string }
  assert.equal(body.state, 'pending')
  assert.equal(body.send_at, new Date(r.send_at!).toISOString())
  const answer = await fetch(`${other.url}/v1/scheduled/${r.request_id}`, { method: 'DELETE' })
  assert.equal(answer.status, 200)
  assert.equal((await answer.json() as { state: string }).state, 'cancelled')
  await waitFor('the cancelled result', () => results.length === 1)
  assert.equal((await decodeResults(results))[0]!.status, 'cancelled')
  assert.equal((await owner.api.get(r.request_id!))?.state, 'cancelled')
})
