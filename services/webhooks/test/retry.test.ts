import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, type Alert } from '@wabridge/schemas'
import { scanTopicForTest, inboundMessage, produceMessages, startReceiver, startWebhooks, testEnv, testKafka, textOf, waitFor } from './helpers.ts'

test('a restart in the middle of retries loses nothing, keeps the order and sends nothing twice that was acknowledged', async (t) => {
  const env = testEnv({ WEBHOOKS_GROUP_ID: `${testEnv().TOPIC_PREFIX}-group` })
  const receiver = await startReceiver(t)
  let isDown = false
  receiver.answer = () => (isDown ? 500 : 200)
  const first = await startWebhooks(t, env, {}, false)
  const sub = await first.admin.add({ url: receiver.url })
  const kafka = testKafka()
  const customer = '16505550021'
  await produceMessages(kafka, env.TOPIC_PREFIX!, [0, 1, 2].map((i) => inboundMessage(customer, `#${i}`)))
  await waitFor(() => receiver.accepted().length === 3, 30_000, 'the first three')

  isDown = true
  await produceMessages(kafka, env.TOPIC_PREFIX!, [3, 4, 5, 6].map((i) => inboundMessage(customer, `#${i}`)))
  await waitFor(() => receiver.requests.filter((r) => r.status === 500).length >= 3, 30_000, 'failed attempts')
  await first.stop()

  // Meanwhile more events arrive; the second instance must queue them behind the parked ones.
  await produceMessages(kafka, env.TOPIC_PREFIX!, [7, 8].map((i) => inboundMessage(customer, `#${i}`)))
  const second = await startWebhooks(t, env)
  assert.equal(second.admin.get(sub.subscription_id).url, receiver.url)
  isDown = false
  await waitFor(() => receiver.accepted().length >= 9, 60_000, 'all nine delivered')
  // Nothing more comes: wait for one more retry period and look again.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const texts = receiver.accepted().map((r) => textOf(r.body))
  assert.deepEqual(texts, Array.from({ length: 9 }, (_, i) => `#${i}`))
})

test('an endpoint failing longer than WEBHOOKS_DISABLE_AFTER_MS is disabled with an alert; its deliveries are kept and replayed', async (t) => {
  let skew = 0
  const now = () => Date.now() + skew
  const env = testEnv({ WEBHOOKS_DISABLE_AFTER_MS: String(3 * 24 * 3600_000) })
  const app = await startWebhooks(t, env, { now })
  const receiver = await startReceiver(t)
  let isDown = true
  receiver.answer = () => (isDown ? 503 : 200)
  const sub = await app.admin.add({ url: receiver.url })
  const kafka = testKafka()
  await produceMessages(kafka, env.TOPIC_PREFIX!, [0, 1, 2].map((i) => inboundMessage('16505550031', `#${i}`)))
  await waitFor(() => receiver.requests.length >= 2, 30_000, 'failed attempts')
  assert.equal(app.admin.get(sub.subscription_id).enabled, true)

  // Three days and a bit later the next failed attempt disables it.
  skew = 3 * 24 * 3600_000 + 60_000
  await waitFor(() => !app.admin.get(sub.subscription_id).enabled, 30_000, 'the subscription to be disabled')
  assert.match(app.admin.get(sub.subscription_id).disabled_reason ?? '', /failing for/)

  const codec = createCodec()
  const alertsTopic = `${env.TOPIC_PREFIX}.alerts`
  let alerts: Alert[] = []
  await waitFor(async () => (alerts = await scanTopicForTest(kafka, alertsTopic, async (value) => (await codec.deserialize(value, 'Alert')).value)).length > 0, 30_000, 'the alert')
  assert.equal(alerts.length, 1)
  assert.equal(alerts[0]!.name, 'webhook_endpoint_disabled')
  assert.equal(alerts[0]!.scope, `webhook_subscription:${sub.subscription_id}`)
  assert.equal(alerts[0]!.state, 'firing')
  assert.ok(alerts[0]!.value >= 3 * 24 * 3600_000)

  // Every delivery goes to the failed topic, those parked and those arriving while disabled.
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505550031', '#3')])
  const failedTopic = `${env.TOPIC_PREFIX}.webhooks.failed`
  await waitFor(async () => (await scanTopicForTest(kafka, failedTopic, async (v) => v)).length === 4, 30_000, 'four failed deliveries')
  const requestsBefore = receiver.requests.length

  // Enabled again while still failing: a new failing period starts, so it stays enabled.
  await app.admin.setEnabled(sub.subscription_id, true)
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505550032', 'while still down')])
  await waitFor(() => receiver.requests.length >= requestsBefore + 2, 30_000, 'attempts after enabling')
  assert.equal(app.admin.get(sub.subscription_id).enabled, true)
  isDown = false
  await waitFor(() => receiver.accepted().length === 1, 30_000, 'the delivery after recovery')
  const replay = await app.admin.replay(sub.subscription_id)
  assert.deepEqual(replay, { scanned: 4, replayed: 4 })
  await waitFor(() => receiver.accepted().length === 5, 30_000, 'the replayed deliveries')
  assert.deepEqual(receiver.accepted().map((r) => textOf(r.body)), ['while still down', '#0', '#1', '#2', '#3'])
  // Replays keep the webhook-id of the failed attempts, so a receiver that got one already can drop it.
  const failedIds = new Set(receiver.requests.filter((r) => r.status === 503).map((r) => r.headers['webhook-id']))
  assert.ok(receiver.accepted().some((r) => failedIds.has(r.headers['webhook-id'])))
})
