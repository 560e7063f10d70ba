import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inboundMessage, produceMessages, startReceiver, startWebhooks, testEnv, testKafka, textOf, uniqueName, waitFor } from './helpers.ts'

test('two instances share the work: each event once in steady state, order kept per conversation through a failure', async (t) => {
  const env = testEnv({ WEBHOOKS_GROUP_ID: uniqueName('group') })
  const receiver = await startReceiver(t)
  let isDown = false
  receiver.answer = () => (isDown ? 503 : 200)
  const one = await startWebhooks(t, env)
  const two = await startWebhooks(t, env)
  await one.admin.add({ url: receiver.url })
  // The other instance sees the subscription through the topic.
  await waitFor(() => two.admin.list().length === 1, 30_000, 'the second instance to see the subscription')

  const kafka = testKafka()
  const customers = Array.from({ length: 6 }, (_, i) => String(16505550100 + i))
  const batch = (from: number, to: number) => customers.flatMap((c) => Array.from({ length: to - from }, (_, i) => inboundMessage(c, `${c}#${from + i}`)))
  await produceMessages(kafka, env.TOPIC_PREFIX!, batch(0, 3))
  await waitFor(() => receiver.accepted().length === 18, 30_000, 'the first 18')
  assert.equal(receiver.requests.length, 18)

  isDown = true
  await produceMessages(kafka, env.TOPIC_PREFIX!, batch(3, 6))
  await waitFor(() => receiver.requests.length >= 18 + 6, 30_000, 'failed attempts')
  isDown = false
  await waitFor(() => new Set(receiver.accepted().map((r) => r.headers['webhook-id'])).size === 36, 60_000, 'all 36')
  for (const c of customers) {
    const texts = receiver.accepted().map((r) => textOf(r.body)).filter((x) => x.startsWith(c))
    assert.deepEqual(texts.filter((x, i) => texts.indexOf(x) === i), Array.from({ length: 6 }, (_, i) => `${c}#${i}`), `order of ${c}`)
  }
})
