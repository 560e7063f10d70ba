import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Webhook } from 'standardwebhooks'
import { nextAttemptAt, isRetryPeriodOver } from '../src/backoff.ts'
import { fromOutboundResult, webhookIdOf } from '../src/events.ts'
import { generateSecret, signatureHeader } from '../src/signature.ts'
import { newSubscription, rotateSecret, wants } from '../src/subscriptions.ts'

test('signatures verify with the standardwebhooks package, for every secret of a rotation', () => {
  const secrets = [generateSecret(), generateSecret()]
  const id = webhookIdOf('sub_1', 'message:wamid.1')
  const timestampS = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({ type: 'message.received', timestamp: '2026-12-06T08:00:00.000Z', data: { text: 'héllo' } })
  const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestampS), 'webhook-signature': signatureHeader({ id, timestampS, body }, secrets) }
  for (const secret of secrets) assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body))
  assert.throws(() => new Webhook(generateSecret()).verify(body, headers))
  assert.throws(() => new Webhook(secrets[0]!).verify(body.replace('é', 'e'), headers))
})

test('backoff doubles from the minimum to the maximum and gives up after the period', () => {
  const options = { minMs: 1000, maxMs: 8000, periodMs: 60_000 }
  const attempts = [0]
  while (attempts.length < 7) attempts.push(nextAttemptAt(0, attempts.at(-1)!, options))
  assert.deepEqual(attempts, [0, 1000, 2000, 4000, 8000, 16000, 24000])
  assert.equal(nextAttemptAt(null, 5000, options), 5000)
  assert.equal(isRetryPeriodOver(0, 59_999, options), false)
  assert.equal(isRetryPeriodOver(0, 60_000, options), true)
  assert.equal(isRetryPeriodOver(null, 1e12, options), false)
})

test('secret rotation keeps the old secret until the grace ends and drops expired ones', () => {
  const sub = newSubscription({ url: 'https://crm.example.com/h' }, 1000)
  const once = rotateSecret(sub, 2000, 500)
  assert.deepEqual(once.secrets.map((s) => s.expires_at), [2500, null])
  const twice = rotateSecret(once, 3000, 500)
  assert.deepEqual(twice.secrets.map((s) => s.expires_at), [3500, null])
  assert.equal(twice.secrets[0]!.secret, once.secrets[1]!.secret)
})

test('subscriptions match by event type and number; results are conversations of the recipient', () => {
  const sub = newSubscription({ url: 'https://crm.example.com/h', eventTypes: ['message.result'], phoneNumberIds: ['1065'] }, 0)
  assert.equal(wants(sub, { type: 'message.result', phoneNumberId: '1065' }), true)
  assert.equal(wants(sub, { type: 'message.result', phoneNumberId: '2000' }), false)
  assert.equal(wants(sub, { type: 'message.received', phoneNumberId: '1065' }), false)
  const event = fromOutboundResult({
    request_id: 'r1',
    phone_number_id: '1065',
    to: '+16505551234',
    status: 'accepted',
    wamid: 'wamid.1',
    wa_id: '16505551234',
    message_status: 'accepted',
    error: null,
    attempts: 1,
    requested_at: 1,
    first_attempt_at: 2,
    completed_at: 3,
    metadata: {},
    business_usage_json: null,
    app_usage_json: null,
    source_topic: 'wa.outbound.requests',
    source_partition: 0,
    source_offset: '5',
    reason: null,
    settlement: null
  })
  assert.equal(event.conversation, '1065:16505551234')
  assert.equal(event.eventKey, 'result:r1:first')
  assert.deepEqual(Object.keys(JSON.parse(event.body)), ['type', 'timestamp', 'data'])
})
