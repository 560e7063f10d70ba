import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { inboundMessage, produceMessages, startReceiver, startWebhooks, testEnv, testKafka, textOf, waitFor } from './helpers.ts'

test('delivers an inbound message with Standard Webhooks headers that the standardwebhooks package verifies', async (t) => {
  const env = testEnv()
  const app = await startWebhooks(t, env)
  const receiver = await startReceiver(t)
  const sub = await app.admin.add({ url: receiver.url, eventTypes: ['message.received'] })
  const kafka = testKafka()
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505551234', 'hello')])
  await waitFor(() => receiver.accepted().length === 1, 30_000, 'one delivery')

  const [got] = receiver.requests
  const verified = new Webhook(sub.secrets[0]!.secret).verify(got!.body, got!.headers as Record<string, string>) as { type: string, timestamp: string, data: Record<string, unknown> }
  assert.equal(verified.type, 'message.received')
  assert.equal(verified.timestamp, '2025-06-18T16:22:53.000Z')
  assert.equal(verified.data.customer_wa_id, '16505551234')
  assert.equal(textOf(got!.body), 'hello')
  assert.match(String(got!.headers['webhook-id']), /^msg_[A-Za-z0-9_-]{27}$/)
  assert.equal(got!.headers['content-type'], 'application/json')
  // Another secret does not verify it: the check above can fail.
  assert.throws(() => new Webhook('whsec_' + Buffer.alloc(32, 7).toString('base64')).verify(got!.body, got!.headers as Record<string, string>))
})

test('after a secret rotation both secrets sign until the old one expires', async (t) => {
  let clock = Date.now()
  const env = testEnv()
  const app = await startWebhooks(t, env, { now: () => clock })
  const receiver = await startReceiver(t)
  const sub = await app.admin.add({ url: receiver.url })
  const oldSecret = sub.secrets[0]!.secret
  const rotated = await app.admin.rotateSecret(sub.subscription_id, 60_000)
  const newSecret = rotated.secrets.at(-1)!.secret
  assert.notEqual(newSecret, oldSecret)
  assert.equal(rotated.secrets.length, 2)

  const kafka = testKafka()
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505550001', 'during grace')])
  await waitFor(() => receiver.accepted().length === 1, 30_000, 'the first delivery')
  const first = receiver.requests[0]!
  assert.equal(String(first.headers['webhook-signature']).split(' ').length, 2)
  for (const secret of [oldSecret, newSecret]) new Webhook(secret).verify(first.body, first.headers as Record<string, string>)

  clock += 61_000
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505550001', 'after grace')])
  await waitFor(() => receiver.accepted().length === 2, 30_000, 'the second delivery')
  const second = receiver.requests[1]!
  assert.equal(String(second.headers['webhook-signature']).split(' ').length, 1)
  // The standardwebhooks package checks the timestamp against its own clock: give it the one it was signed at.
  const headers = second.headers as Record<string, string>
  new Webhook(newSecret).verify(second.body, headers)
  assert.throws(() => new Webhook(oldSecret).verify(second.body, headers))
})

test('keeps the order of a conversation while its endpoint fails and recovers; another endpoint is not held up', async (t) => {
  const env = testEnv()
  const app = await startWebhooks(t, env)
  const failing = await startReceiver(t)
  const healthy = await startReceiver(t)
  let isDown = true
  failing.answer = () => (isDown ? 503 : 200)
  await app.admin.add({ url: failing.url })
  await app.admin.add({ url: healthy.url })

  const kafka = testKafka()
  const customers = ['16505550011', '16505550012', '16505550013']
  const sent = customers.flatMap((c) => Array.from({ length: 5 }, (_, i) => inboundMessage(c, `${c}#${i}`)))
  await produceMessages(kafka, env.TOPIC_PREFIX!, sent.slice(0, 9))
  // The healthy endpoint gets everything while the other one fails.
  await waitFor(() => healthy.accepted().length === 9, 30_000, 'the healthy endpoint to get the first 9')
  await waitFor(() => failing.requests.length >= 6, 30_000, 'several failed attempts')
  assert.equal(failing.accepted().length, 0)
  await produceMessages(kafka, env.TOPIC_PREFIX!, sent.slice(9))
  await waitFor(() => healthy.accepted().length === 15, 30_000, 'the healthy endpoint to get all 15')

  isDown = false
  await waitFor(() => new Set(failing.accepted().map((r) => r.headers['webhook-id'])).size === 15, 60_000, 'the recovered endpoint to get all 15')
  for (const receiver of [failing, healthy]) {
    for (const c of customers) {
      const texts = receiver.accepted().map((r) => textOf(r.body)).filter((x) => x.startsWith(c))
      const firsts = texts.filter((x, i) => texts.indexOf(x) === i)
      assert.deepEqual(firsts, Array.from({ length: 5 }, (_, i) => `${c}#${i}`), `order of ${c}`)
    }
  }
  // Each event keeps its webhook-id across attempts: a failed attempt's id came back with the same body.
  const bodyOf = new Map(failing.accepted().map((r) => [r.headers['webhook-id'], r.body]))
  const failed = failing.requests.filter((r) => r.status === 503)
  assert.ok(failed.length > 0)
  for (const r of failed) assert.equal(bodyOf.get(r.headers['webhook-id']), r.body)
})
