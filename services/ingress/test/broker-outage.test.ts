import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'
import { messageFixtures, messageWebhook } from './fixtures/webhooks.ts'
import { buildTestIngress, readTopics } from './helpers.ts'

// A private broker: stopping the shared one would disturb tests running in parallel.
test('with the broker stopped a webhook gets 503 with Retry-After; once it is back the retried POST lands once', { timeout: 180_000 }, async (t) => {
  const local = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-ingress-outage-')), basePort: await findFreePorts(2) })
  t.after(async () => { await local.stop(); await local.destroy() })
  await local.start()
  const app = await buildTestIngress(t, {
    env: { KAFKA_BROKERS: local.brokers.join(','), PRODUCE_TIMEOUT_MS: '1500', PRODUCE_MAX_RETRY_MS: '60000', RETRY_AFTER_S: '7' }
  })
  const before = messageFixtures().text!
  const during = messageFixtures().image!
  assert.equal((await app.post(messageWebhook(before))).status, 200)

  await local.stopNode(1)
  const refused = await app.post(messageWebhook(during))
  assert.equal(refused.status, 503)
  assert.equal(refused.headers['retry-after'], '7')
  assert.equal(JSON.parse(refused.text).error.code, 'INGRESS_UNAVAILABLE')

  await local.startNode(1)
  // Meta retries until it gets a 200; so does this loop, bounded.
  const deadline = Date.now() + 60_000
  let status = 0
  while (status !== 200) {
    assert.ok(Date.now() < deadline, 'the ingress did not recover after the broker came back')
    status = (await app.post(messageWebhook(during))).status
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  // A further retry of Meta's (its 200 got lost, say) is dropped as a duplicate.
  assert.equal(JSON.parse((await app.post(messageWebhook(during))).text).records, 0)

  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundMessages, app.topics.inboundRaw], 30_000)
  const ids = stored[app.topics.inboundMessages]!.map((r) => r.headers['event-id'])
  assert.deepEqual(ids.sort(), [before.id, during.id].sort())
  assert.equal(stored[app.topics.inboundRaw]!.length, 2)
})
