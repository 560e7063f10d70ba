import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, type WebhookDelivery } from '@wabridge/schemas'
import { createAddressGuard } from '../src/address-guard.ts'
import { createSender } from '../src/sender.ts'
import { inboundMessage, produceMessages, scanTopicForTest, startReceiver, startWebhooks, testEnv, testKafka, waitFor } from './helpers.ts'

const resolveTo = (table: Record<string, string>) => async (host: string) => {
  const address = table[host]
  if (address === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
  return [{ address, family: address.includes(':') ? 6 : 4 }]
}

test('the guard refuses private, loopback, link-local and unique-local addresses unless allow-listed', () => {
  const guard = createAddressGuard([])
  for (const address of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '127.0.0.1', '169.254.169.254', '::1', 'fe80::1', 'fd12:3456::1', '::ffff:10.0.0.1', '100.64.0.1', '0.0.0.0']) {
    assert.match(guard.refusal(address, 'h') ?? '', /not a public address/, address)
  }
  for (const address of ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']) assert.equal(guard.refusal(address, 'h'), undefined, address)
  const allowing = createAddressGuard(['crm.internal', '10.1.0.0/16', '::1'])
  assert.equal(allowing.refusal('10.9.9.9', 'crm.internal'), undefined)
  assert.equal(allowing.refusal('10.1.2.3', 'other'), undefined)
  assert.equal(allowing.refusal('::1', 'other'), undefined)
  assert.match(allowing.refusal('10.2.0.1', 'other') ?? '', /private/)
})

test('the sender connects to a name only through an allowed address, and follows no redirect', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  const resolve = resolveTo({ 'crm.test': '127.0.0.1' })
  const refusing = createSender({ timeoutMs: 5000, guard: createAddressGuard([]), resolve })
  const allowing = createSender({ timeoutMs: 5000, guard: createAddressGuard(['crm.test']), resolve })
  t.after(() => Promise.all([refusing.close(), allowing.close()]))

  const refused = await refusing.send({ url: `http://crm.test:${port}/hook`, headers: {}, body: '{}' })
  assert.equal(refused.ok, false)
  assert.equal(!refused.ok && refused.isRefused, true)
  assert.equal(receiver.requests.length, 0)
  assert.equal((await allowing.send({ url: `http://crm.test:${port}/hook`, headers: {}, body: '{}' })).ok, true)
  assert.equal(receiver.requests.length, 1)

  receiver.answer = () => 302
  const redirected = await allowing.send({ url: `http://crm.test:${port}/hook`, headers: {}, body: '{}' })
  assert.deepEqual([redirected.ok, redirected.status], [false, 302])
})

test('deliveries to 10.0.0.1, 169.254.169.254, ::1 and a name resolving to 127.0.0.1 are refused when not allow-listed', async (t) => {
  const receiver = await startReceiver(t)
  const port = new URL(receiver.url).port
  const env = testEnv({ WEBHOOKS_ALLOW_HOSTS: '', WEBHOOKS_TIMEOUT_MS: '2000' })
  const app = await startWebhooks(t, env, { resolve: resolveTo({ 'crm.test': '127.0.0.1' }) })
  const urls = ['http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', `http://[::1]:${port}/hook`, `http://crm.test:${port}/hook`]
  const ids = new Map<string, string>()
  for (const url of urls) ids.set((await app.admin.add({ url })).subscription_id, url)

  const kafka = testKafka()
  await produceMessages(kafka, env.TOPIC_PREFIX!, [inboundMessage('16505550041', 'to nobody')])
  const codec = createCodec()
  let parked: WebhookDelivery[] = []
  await waitFor(async () => {
    parked = await scanTopicForTest(kafka, `${env.TOPIC_PREFIX}.webhooks.retry`, async (v) => (await codec.deserialize(v, 'WebhookDelivery')).value)
    return new Set(parked.map((d) => d.subscription_id)).size === 4
  }, 30_000, 'four parked deliveries')
  for (const delivery of parked) {
    assert.match(delivery.last_error ?? '', /is (private|linkLocal|loopback), not a public address/, ids.get(delivery.subscription_id))
  }
  assert.equal(receiver.requests.length, 0)
})
