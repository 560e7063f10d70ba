import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient, createProducer, ensureTopics } from '@wabridge/kafka'
import { api, brokersFromEnv, manualClock, numbers, PHONE, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('an audience from a topic and from an NDJSON upload; send_at keeps a started campaign scheduled until the (injected) clock reaches it', async (t) => {
  const env = testEnv()
  const clock = manualClock(Date.parse('2026-12-07T10:00:00Z'))
  const app = await startApp(t, env, { reach: null, clock: clock.now })
  const egress = await startFakeEgress(t, env)

  // A topic of JSON objects, as a CRM export would write it.
  const topic = `${env.TOPIC_PREFIX}.crm.audience`
  const kafka = createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'audience-test' })
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, { prefix: env.TOPIC_PREFIX!, partitions: 1, only: [], extra: [{ topic, partitions: 1 }] })
  await admin.disconnect()
  const producer = createProducer(kafka, { lingerMs: 0 })
  await producer.start()
  await producer.send([...numbers(3).map((to, i) => ({ topic, key: to, value: JSON.stringify({ to, name: `T${i}` }) })), { topic, key: 'x', value: 'not json' }])
  await producer.stop()
  const fromTopic = await api(app, 'POST', '/v1/campaigns', { name: 'topic', phone_number_id: PHONE, template: TEMPLATE, audience_topic: topic, send_at: '2026-12-07T11:00:00Z' })
  assert.equal(fromTopic.status, 201, JSON.stringify(fromTopic.body))
  assert.equal(fromTopic.body.audience.size, 3)
  assert.deepEqual(fromTopic.body.audience.invalid_rows.map((r: { line: number }) => r.line), [4])

  // Replaced by an NDJSON upload while a draft.
  const ndjson = numbers(2, 100).map((to, i) => JSON.stringify({ to, params: { name: `U${i}` } })).join('\n') + '\n{"to":"+1"}\n'
  const uploaded = await app.server.inject({ method: 'POST', url: `/v1/campaigns/${fromTopic.body.id}/audience`, payload: ndjson, headers: { 'content-type': 'application/x-ndjson' } })
  assert.equal(uploaded.statusCode, 200, uploaded.body)
  assert.deepEqual(uploaded.json().invalid_rows.map((r: { line: number }) => r.line), [3])
  assert.equal(uploaded.json().campaign.audience.size, 2)

  const started = await api(app, 'POST', `/v1/campaigns/${fromTopic.body.id}/start`)
  assert.equal(started.body.state, 'scheduled')
  await app.tick()
  await app.tick()
  assert.equal(egress.requests.length, 0)
  clock.advance(3600_000)
  await waitFor('released at send_at', () => egress.requests.length === 2 || undefined)
  assert.deepEqual(egress.requests.map((r) => JSON.parse(r.message_json).template.components[0].parameters[0].text).sort(), ['U0', 'U1'])
  await waitFor('completed', async () => (await api(app, 'GET', `/v1/campaigns/${fromTopic.body.id}`)).body.state === 'completed' || undefined)
  // The audience of a started campaign cannot change.
  const late = await app.server.inject({ method: 'POST', url: `/v1/campaigns/${fromTopic.body.id}/audience`, payload: 'to\n+16502530000', headers: { 'content-type': 'text/csv' } })
  assert.equal(late.statusCode, 409)
})
