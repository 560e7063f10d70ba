import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient, createProducer, ensureTopics } from '@wabridge/kafka'
import { createCodec, type NumberState } from '@wabridge/schemas'
import { api, brokersFromEnv, manualClock, numbers, PHONE, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('the rate cap holds: with the pacing clock moved by hand, at most cap × elapsed (+ one burst) is released', async (t) => {
  const env = testEnv({ CAMPAIGNS_IN_FLIGHT_MS: '100000' })
  let mono = 0
  const app = await startApp(t, env, { reach: null, monotonic: () => mono })
  const egress = await startFakeEgress(t, env, { answer: () => 'none' })
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'r', phone_number_id: PHONE, template: TEMPLATE, rate_cap_mps: 20, recipients: numbers(500).map((to) => ({ to, name: 'x' })) })
  assert.equal((await api(app, 'POST', `/v1/campaigns/${created.body.id}/start`)).status, 200)
  for (let step = 1; step <= 20; step++) {
    mono += 100
    await app.tick()
    await app.tick()
    const released = egress.requests.length
    assert.ok(released <= 20 * step / 10 + 1, `after ${step * 100} ms: ${released} released`)
  }
  await app.tick()
  await waitFor('about 40 released in 2 s of pacing', () => egress.requests.length >= 38 || undefined)
  assert.ok(egress.requests.length <= 41)
})

test('the in-flight window: released minus results seen stays under rate × CAMPAIGNS_IN_FLIGHT_MS', async (t) => {
  const env = testEnv({ CAMPAIGNS_IN_FLIGHT_MS: '500' })
  let mono = 0
  const app = await startApp(t, env, { reach: null, monotonic: () => mono })
  const egress = await startFakeEgress(t, env, { answer: () => 'none' }) // no results: nothing leaves the window
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'w', phone_number_id: PHONE, template: TEMPLATE, rate_cap_mps: 20, recipients: numbers(100).map((to) => ({ to, name: 'x' })) })
  await api(app, 'POST', `/v1/campaigns/${created.body.id}/start`)
  for (let i = 0; i < 30; i++) {
    mono += 200
    await app.tick()
  }
  await waitFor('the window filled', () => egress.requests.length === 10 || undefined)
  assert.equal((await api(app, 'GET', `/v1/campaigns/${created.body.id}`)).body.progress.queued, 10)
})

test('local-time window: recipients outside it wait (deferred) and go when it opens, by the injected clock', async (t) => {
  const env = testEnv()
  const clock = manualClock(Date.parse('2026-12-07T12:00:00Z')) // 13:00 in Rome, 21:00 in Tokyo
  const app = await startApp(t, env, { reach: null, clock: clock.now })
  const egress = await startFakeEgress(t, env)
  const recipients = [{ to: '+393471234567', name: 'it' }, { to: '+81 90-1234-5678', name: 'jp' }]
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'w', phone_number_id: PHONE, template: TEMPLATE, window: { start: '09:00', end: '20:00' }, recipients })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  await api(app, 'POST', `/v1/campaigns/${created.body.id}/start`)
  await waitFor('the Italian recipient', () => egress.requests.length === 1 || undefined)
  assert.equal(egress.requests[0]!.to, '+393471234567')
  const waiting = await waitFor('the Japanese one deferred', async () => {
    const c = (await api(app, 'GET', `/v1/campaigns/${created.body.id}`)).body
    return c.progress.deferred === 1 && c.progress.sent === 1 ? c : undefined
  })
  assert.equal(waiting.state, 'running')
  clock.advance(11 * 3600_000) // 08:00 in Tokyo: still closed
  await app.tick()
  await app.tick()
  assert.equal(egress.requests.length, 1)
  clock.advance(61 * 60_000) // 09:01
  await waitFor('the Japanese recipient', () => egress.requests.length === 2 || undefined)
  assert.equal(egress.requests[1]!.to, '+819012345678')
  await waitFor('completed', async () => (await api(app, 'GET', `/v1/campaigns/${created.body.id}`)).body.state === 'completed' || undefined)
})

test('without a rate cap a campaign takes CAMPAIGNS_BULK_SHARE of the number\'s rate that egress publishes on its numbers topic', async (t) => {
  const env = testEnv({ CAMPAIGNS_IN_FLIGHT_MS: '100000' })
  const kafka = createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'numbers-test' })
  const admin = kafka.admin()
  await admin.connect()
  const numbersTopic = `${env.TOPIC_PREFIX}.egress.numbers`
  await ensureTopics(admin, { prefix: env.TOPIC_PREFIX!, partitions: 1, only: [], extra: [{ topic: numbersTopic, partitions: 1, configs: { 'cleanup.policy': 'compact' } }] })
  await admin.disconnect()
  const codec = createCodec()
  const producer = createProducer(kafka, { lingerMs: 0 })
  await producer.start()
  const state: NumberState = { phone_number_id: PHONE, waba_id: null, instance: 'egress-1', state: 'sending', breaker_scope: null, breaker_code: null, breaker_reason: null, open_since: null, next_probe_at: null, probes: 0, rate_mps: 25, rate_source: 'override', throughput_level: null, backlog: 0, updated_at: Date.now() }
  await producer.send([{ topic: numbersTopic, key: PHONE, value: await codec.serialize(numbersTopic, 'NumberState', state) }])
  await producer.stop()

  let mono = 0
  const app = await startApp(t, env, { reach: null, monotonic: () => mono })
  const egress = await startFakeEgress(t, env, { answer: () => 'none' })
  const created = await api(app, 'POST', '/v1/campaigns', { name: 'n', phone_number_id: PHONE, template: TEMPLATE, recipients: numbers(200).map((to) => ({ to, name: 'x' })) })
  assert.equal((await api(app, 'POST', `/v1/campaigns/${created.body.id}/start`)).status, 200)
  for (let step = 1; step <= 20; step++) {
    mono += 100
    await app.tick()
    await app.tick()
    assert.ok(egress.requests.length <= 20 * step / 10 + 1, `after ${step * 100} ms: ${egress.requests.length} released (80 % of 25/s is 20/s)`)
  }
  await waitFor('about 40 released in 2 s', () => egress.requests.length >= 38 || undefined)
})
