import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { MAX_SEND_AHEAD_MS } from '@wabridge/schemas'
import { RELEASED_HEADER } from '@wabridge/kafka'
import { collect, decodeRequests, decodeResults, manualClock, request, requestsTopic, resultsTopic, schedule, startApp, testEnv, waitFor, waitIndexed } from './helpers.ts'

test('a request is released at its send_at, not before, with the same key, value and send_at', async (t) => {
  const clock = manualClock()
  const env = testEnv()
  const app = await startApp(t, env, { clock: clock.now })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const r = request({ send_at: clock.now() + 60_000 })
  await schedule(env.TOPIC_PREFIX!, [r])
  await waitIndexed(app, 1)
  const state = await app.api.get(r.request_id!)
  assert.equal(state?.state, 'pending')
  assert.equal(state?.send_at, r.send_at)

  clock.advance(59_999)
  await sleep(600)
  assert.equal(released.length, 0, 'nothing released a millisecond before send_at')
  clock.advance(1)
  await waitFor('the release', () => released.length === 1)
  assert.equal(released[0]!.key!.toString(), r.phone_number_id)
  assert.deepEqual((await decodeRequests(released)).map((x) => ({ ...x })), [r])
  // Marked released with the scheduler's time: egress sends it even if its own clock is behind.
  assert.equal(released[0]!.headers?.[RELEASED_HEADER]?.toString(), String(clock.now()))
  assert.equal((await app.api.get(r.request_id!))?.state, 'released')
})

test('a send_at in the past is released at once; one over 365 days ahead gets a failed result', async (t) => {
  const clock = manualClock()
  const env = testEnv()
  const app = await startApp(t, env, { clock: clock.now })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const results = await collect(t, resultsTopic(env.TOPIC_PREFIX!))
  const past = request({ send_at: clock.now() - 3600_000 })
  const tooFar = request({ send_at: clock.now() + MAX_SEND_AHEAD_MS + 1000, metadata: { order: '42' } })
  const justInside = request({ send_at: clock.now() + MAX_SEND_AHEAD_MS })
  await schedule(env.TOPIC_PREFIX!, [past, tooFar, justInside])
  await waitFor('the past request', () => released.length === 1)
  await waitFor('the failed result', () => results.length === 1)
  assert.deepEqual((await decodeRequests(released)).map((r) => r.request_id), [past.request_id])
  const [result] = await decodeResults(results)
  assert.equal(result!.request_id, tooFar.request_id)
  assert.equal(result!.status, 'failed')
  assert.equal(result!.error?.class, 'permanent')
  assert.match(result!.reason ?? '', /more than 365 days ahead/)
  assert.deepEqual(result!.metadata, { order: '42' })
  assert.equal(results[0]!.key!.toString(), tooFar.phone_number_id)
  assert.equal((await app.api.get(justInside.request_id!))?.state, 'pending', '365 days ahead exactly is accepted')
})

test('a request id scheduled twice is released once', async (t) => {
  const clock = manualClock()
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '1' })
  const app = await startApp(t, env, { clock: clock.now })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const r = request({ send_at: clock.now() + 10_000 })
  await schedule(env.TOPIC_PREFIX!, [r, r])
  await waitIndexed(app, 1)
  await schedule(env.TOPIC_PREFIX!, [r])
  clock.advance(10_000)
  await waitFor('the release', () => released.length === 1)
  // A copy arriving after the release is recognised too.
  await schedule(env.TOPIC_PREFIX!, [{ ...r, send_at: clock.now() - 1 }])
  const other = request({ send_at: clock.now() - 1 })
  await schedule(env.TOPIC_PREFIX!, [other])
  await waitFor('the other one', () => released.length === 2)
  await sleep(500)
  assert.deepEqual((await decodeRequests(released)).map((x) => x.request_id), [r.request_id, other.request_id])
})
