import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { Admin } from 'kafkajs'
import { createKafkaClient, DEFAULT_MAX_MESSAGE_BYTES, estimateRecordBytes, RECORD_BATCH_OVERHEAD_BYTES, topicNames, type TopicNames } from '@wabridge/kafka'
import { envelope, fieldWebhook, messageFixtures, messageWebhook, metadata, statusFixtures, statusWebhook } from '../fixtures/webhooks.ts'
import { brokersFromEnv, buildTestIngress, decodeWithAvsc, inboundTopics, readTopics, toBody, type StoredRecord } from '../helpers.ts'
import { createTestMeter } from '../telemetry.ts'

const CAP = 4096
const RAW_CAP = 8192

/** The ingress topics of `prefix`, created beforehand with these caps (the ingress leaves existing topics as they are). */
async function createCappedTopics (t: test.TestContext, prefix: string, cap: number, rawCap: number): Promise<TopicNames> {
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: `caps-${randomUUID().slice(0, 8)}` })
  const admin: Admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const names = topicNames(prefix)
  await admin.createTopics({
    topics: inboundTopics(names).map((topic) => ({
      topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(topic === names.inboundRaw ? rawCap : cap) }]
    }))
  })
  return names
}

const batchBytes = (r: StoredRecord) => RECORD_BATCH_OVERHEAD_BYTES + estimateRecordBytes({ key: r.key, value: r.value, headers: r.headers })

test('records over their topic\'s max.message.bytes are shrunk to fit: the webhook is answered 200 and nothing else of it is lost', async (t) => {
  const prefix = `t-${randomUUID().slice(0, 12)}`
  await createCappedTopics(t, prefix, CAP, RAW_CAP)
  const metrics = createTestMeter()
  const app = await buildTestIngress(t, { env: { TOPIC_PREFIX: prefix }, meter: metrics.meter })

  const message: Record<string, unknown> = { ...messageFixtures().text!, text: { body: 'long '.repeat(2000) } }
  const status = { ...statusFixtures().failed!, errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'd'.repeat(6000) } }], biz_opaque_callback_data: 'req-big' }
  const event = { event: 'APPROVED', message_template_id: 1, reason: 'r'.repeat(6000) }
  const small = messageFixtures().image!
  const bodies = [messageWebhook(message), statusWebhook(status), fieldWebhook('message_template_status_update', event), messageWebhook(small)].map(toBody)
  for (const body of bodies) {
    const reply = await app.post(body)
    assert.equal(reply.status, 200, reply.text)
  }

  const stored = await readTopics(app.kafka, app.admin, inboundTopics(app.topics))
  for (const [topic, records] of Object.entries(stored)) {
    for (const r of records) assert.ok(batchBytes(r) <= (topic === app.topics.inboundRaw ? RAW_CAP : CAP), `${topic}: ${batchBytes(r)} bytes`)
  }
  const messages = new Map(stored[app.topics.inboundMessages]!.map((r) => [r.headers['event-id'], r]))
  const big = messages.get(message.id as string)!
  const bigValue = decodeWithAvsc(big.value).value
  assert.deepEqual(JSON.parse(bigValue.message_json as string), { truncated: true, size: Buffer.byteLength(JSON.stringify(message)) })
  assert.equal(big.headers['wa-truncated'], 'message_json')
  assert.equal(bigValue.message_id, message.id)
  assert.equal(bigValue.type, 'text')
  const smallRecord = messages.get(small.id as string)!
  assert.deepEqual(JSON.parse(decodeWithAvsc(smallRecord.value).value.message_json as string), small)
  assert.equal(smallRecord.headers['wa-truncated'], undefined)

  const [statusRecord] = stored[app.topics.inboundStatuses]!
  const statusValue = decodeWithAvsc(statusRecord!.value).value
  assert.equal(JSON.parse(statusValue.status_json as string).truncated, true)
  assert.deepEqual(statusValue.error_codes, [131047])
  assert.equal(statusRecord!.headers['wa-truncated'], 'status_json')
  assert.equal(statusRecord!.headers['wa-callback-data'], 'req-big')
  assert.equal(statusRecord!.headers['wa-status'], 'failed')

  const [eventRecord] = stored[app.topics.inboundEvents]!
  assert.equal(JSON.parse(decodeWithAvsc(eventRecord!.value).value.value_json as string).truncated, true)
  assert.equal(decodeWithAvsc(eventRecord!.value).value.event, 'APPROVED')

  // Every body is archived: whole when it fits, else its leading bytes with its full size.
  const raw = stored[app.topics.inboundRaw]!.map((r) => decodeWithAvsc(r.value).value)
  assert.equal(raw.length, bodies.length)
  for (const body of bodies) {
    const archived = raw.find((v) => v.body_size === body.length && body.subarray(0, (v.body as Buffer).length).equals(v.body as Buffer))
    assert.ok(archived, 'a body is missing from the raw topic')
    assert.equal(archived.body_truncated, body.length > RAW_CAP - 1000)
    if (!archived.body_truncated) assert.deepEqual(archived.body, body)
  }
  assert.equal(await metrics.counter('wabridge.ingress.truncated', { topic: app.topics.inboundMessages }), 1)
  assert.equal(await metrics.counter('wabridge.ingress.truncated'), 3 + raw.filter((v) => v.body_truncated).length)
})

test('a webhook over 1 MB is taken whole into the raw topic while its message record, on a 1 MB topic, keeps only its size', async (t) => {
  // Kafka's default cap for the typed topics (the local broker's own default is 10 MB), 8 MB for raw as the ingress creates it.
  const prefix = `t-${randomUUID().slice(0, 12)}`
  await createCappedTopics(t, prefix, DEFAULT_MAX_MESSAGE_BYTES, 8 * 1024 * 1024)
  const app = await buildTestIngress(t, { env: { TOPIC_PREFIX: prefix } })
  const message = { ...messageFixtures().document!, caption_blob: 'c'.repeat(1_500_000) }
  const body = toBody(envelope([{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, messages: [message] } }]))
  const reply = await app.post(body)
  assert.equal(reply.status, 200, reply.text)
  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundMessages, app.topics.inboundRaw])
  const [record] = stored[app.topics.inboundMessages]!
  const json = decodeWithAvsc(record!.value).value.message_json as string
  assert.ok(json.length < 100, `message_json kept ${json.length} characters`)
  assert.deepEqual(JSON.parse(json), { truncated: true, size: Buffer.byteLength(JSON.stringify(message)) })
  const raw = decodeWithAvsc(stored[app.topics.inboundRaw]![0]!.value).value
  assert.deepEqual({ truncated: raw.body_truncated, size: raw.body_size, whole: (raw.body as Buffer).equals(body) }, { truncated: false, size: body.length, whole: true })
})
