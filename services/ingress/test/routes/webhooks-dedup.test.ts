import assert from 'node:assert/strict'
import { test } from 'node:test'
import { envelope, messageFixtures, messageWebhook, metadata, contact, statusFixtures, statusWebhook, fieldWebhook } from '../fixtures/webhooks.ts'
import { buildTestIngress, countRecords, inboundTopics, readTopics } from '../helpers.ts'
import { createTestMeter } from '../telemetry.ts'

test('a repeated webhook is answered 200 without producing again, and the drops are counted', async (t) => {
  const metrics = createTestMeter()
  const app = await buildTestIngress(t, { meter: metrics.meter })
  const [first, second] = Object.values(messageFixtures())
  const body = messageWebhook(first!)
  assert.equal((await app.post(body)).status, 200)
  const again = await app.post(body)
  assert.equal(again.status, 200)
  assert.deepEqual(JSON.parse(again.text), { status: 'accepted', records: 0, duplicates: 2 })

  // Meta re-batches: a new body holding the old message and a new one produces only the new one (and the new raw body).
  const rebatched = envelope([{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, contacts: [contact], messages: [first, second] } }])
  assert.deepEqual(JSON.parse((await app.post(rebatched)).text), { status: 'accepted', records: 2, duplicates: 1 })
  // The same status twice in one body, and the same field change twice, count once each.
  const status = Object.values(statusFixtures())[0]!
  const doubled = statusWebhook(status)
  const change = (doubled.entry as Array<{ changes: unknown[] }>)[0]!.changes
  change.push(change[0])
  assert.deepEqual(JSON.parse((await app.post(doubled)).text), { status: 'accepted', records: 2, duplicates: 1 })
  assert.equal((await app.post(fieldWebhook('account_update', { event: 'DISABLED_UPDATE' }))).status, 200)
  assert.deepEqual(JSON.parse((await app.post(fieldWebhook('account_update', { event: 'DISABLED_UPDATE' }))).text).records, 0)

  assert.deepEqual(await countRecords(app.admin, inboundTopics(app.topics)), {
    [app.topics.inboundMessages]: 2, [app.topics.inboundStatuses]: 1, [app.topics.inboundEvents]: 1, [app.topics.inboundRaw]: 4
  })
  assert.equal(await metrics.counter('wabridge.ingress.duplicates', { topic: app.topics.inboundMessages, reason: 'recent' }), 2)
  assert.equal(await metrics.counter('wabridge.ingress.duplicates', { topic: app.topics.inboundRaw, reason: 'recent' }), 2)
  assert.equal(await metrics.counter('wabridge.ingress.duplicates', { topic: app.topics.inboundStatuses, reason: 'same_request' }), 1)
  assert.equal(await metrics.counter('wabridge.ingress.duplicates', { topic: app.topics.inboundEvents }), 1)
  assert.equal(await metrics.counter('wabridge.ingress.records', { topic: app.topics.inboundMessages }), 2)
  assert.equal(await metrics.counter('wabridge.ingress.records'), 8)
  assert.equal(await metrics.counter('wabridge.ingress.requests', { outcome: 'accepted', 'http.request.method': 'POST' }), 6)
})

test('a repeat after the dedup window (injected clock) is produced again', async (t) => {
  let now = Date.parse('2026-06-01T00:00:00Z')
  const app = await buildTestIngress(t, { now: () => now, env: { DEDUP_TTL_MS: '60000' } })
  const body = messageWebhook(messageFixtures().text!)
  assert.equal(JSON.parse((await app.post(body)).text).records, 2)
  now += 59_000
  assert.equal(JSON.parse((await app.post(body)).text).records, 0)
  now += 2_000
  assert.equal(JSON.parse((await app.post(body)).text).records, 2)
  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundMessages])
  assert.equal(stored[app.topics.inboundMessages]!.length, 2)
})

test('concurrent copies of one webhook are produced once, and every copy gets 200', async (t) => {
  const app = await buildTestIngress(t)
  const body = messageWebhook(messageFixtures().image!)
  const replies = await Promise.all(Array.from({ length: 20 }, () => app.post(body)))
  assert.deepEqual(replies.map((r) => r.status), replies.map(() => 200))
  assert.deepEqual(await countRecords(app.admin, [app.topics.inboundMessages, app.topics.inboundRaw]), {
    [app.topics.inboundMessages]: 1, [app.topics.inboundRaw]: 1
  })
})
