import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ROOT_CONTEXT } from '@opentelemetry/api'
import { KafkaPublishError, topicNames, type OutgoingRecord } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { createDedupCache } from '../src/dedup-cache.ts'
import { IngressError } from '../src/errors.ts'
import { createIngressMetrics } from '../src/metrics.ts'
import { splitWebhook } from '../src/split-webhook.ts'
import { createWebhookPublisher } from '../src/webhook-publisher.ts'
import { messageFixtures, messageWebhook } from './fixtures/webhooks.ts'
import { createTestMeter } from './telemetry.ts'

// The publisher's own decisions (dedup, joining, deadlines) against a producer whose acks the
// test controls. Producing itself is covered against the real broker in routes/*.test.ts.
function setup (timeoutMs = 200, maxPendingBytes = 1 << 20, maxMessageBytes = 1_048_588, isCached = true) {
  const sends: Array<{ records: OutgoingRecord[], ack: () => void, fail: (err: Error) => void }> = []
  const producer = {
    send: (records: OutgoingRecord[]) => new Promise<never[]>((resolve, reject) => {
      sends.push({ records, ack: () => resolve([]), fail: reject })
    })
  }
  const metrics = createTestMeter()
  // Topics as large as Kafka's default cap; the byte cap itself is tested against the broker (routes/webhooks-caps.test.ts).
  const limit = { maxMessageBytes, partitions: [] }
  const limits = { peek: () => isCached ? limit : undefined, get: async (topics: readonly string[]) => new Map(topics.map((t) => [t, limit])) }
  const publisher = createWebhookPublisher({ topics: topicNames('wa'), timeoutMs, maxPendingBytes }, {
    producer, limits, codec: createCodec(), dedup: createDedupCache({ ttlMs: 60_000, maxEntries: 100 }), metrics: createIngressMetrics(metrics.meter)
  })
  const records = splitWebhook(messageWebhook(messageFixtures().text!), 0)
  return { sends, publisher, records, metrics }
}

const settle = () => new Promise((resolve) => setImmediate(resolve))

test('a repeat that arrives while the first copy is being produced waits for it instead of producing again', async () => {
  const { sends, publisher, records } = setup()
  const first = publisher.publish(records, ROOT_CONTEXT)
  const repeat = publisher.publish(records, ROOT_CONTEXT)
  await settle()
  assert.equal(sends.length, 1)
  sends[0]!.ack()
  assert.deepEqual(await first, { published: 1, duplicates: 0 })
  assert.deepEqual(await repeat, { published: 0, duplicates: 1 })
})

test('a produce acknowledged after the request gave up still drops the retry', async () => {
  const { sends, publisher, records, metrics } = setup(50)
  await assert.rejects(publisher.publish(records, ROOT_CONTEXT), (err: unknown) => err instanceof IngressError && err.code === 'INGRESS_UNAVAILABLE')
  sends[0]!.ack()
  await settle()
  assert.deepEqual(await publisher.publish(records, ROOT_CONTEXT), { published: 0, duplicates: 1 })
  assert.equal(sends.length, 1)
  assert.equal(await metrics.counter('wabridge.ingress.duplicates', { reason: 'recent' }), 1)
})

test('a failed produce (maybe written) leaves the ids unseen, so the retry is produced', async () => {
  const { sends, publisher, records } = setup()
  const first = publisher.publish(records, ROOT_CONTEXT)
  await settle()
  sends[0]!.fail(new KafkaPublishError('KAFKA_PUBLISH_FAILED', 'kafkajs gave up', { maybeWritten: true }))
  await assert.rejects(first, (err: unknown) => err instanceof IngressError && err.code === 'INGRESS_UNAVAILABLE' && err.statusCode === 503 && /may have been written/.test(err.message))
  const retry = publisher.publish(records, ROOT_CONTEXT)
  await settle()
  assert.equal(sends.length, 2)
  sends[1]!.ack()
  assert.deepEqual(await retry, { published: 1, duplicates: 0 })
})

test('a value that does not fit its Avro schema is INGRESS_PAYLOAD_INVALID, not a 500', async () => {
  const { publisher, records, sends } = setup()
  const record = records[0]!
  assert.equal(record.schema, 'InboundMessage')
  const bad = { ...record, value: { ...record.value, meta_timestamp: 1.5 } } as typeof record
  await assert.rejects(publisher.publish([bad], ROOT_CONTEXT), (err: unknown) => err instanceof IngressError && err.code === 'INGRESS_PAYLOAD_INVALID')
  assert.equal(sends.length, 0)
})

test('beyond maxPendingBytes waiting for acks, webhooks are refused at once instead of queued', async () => {
  const one = () => splitWebhook(messageWebhook(messageFixtures().text!), 0)
  const sample = one()[0]!
  const size = sample.schema === 'InboundMessage' ? createCodec().encode('InboundMessage', sample.value).length : 0
  const { sends, publisher } = setup(200, size + 10)
  const first = publisher.publish(one(), ROOT_CONTEXT)
  await settle()
  await assert.rejects(publisher.publish(one(), ROOT_CONTEXT), (err: unknown) => err instanceof IngressError && err.code === 'INGRESS_UNAVAILABLE' && /waiting for Kafka/.test(err.message))
  assert.equal(sends.length, 1)
  sends[0]!.ack()
  await first
  const third = publisher.publish(one(), ROOT_CONTEXT)
  await settle()
  sends[1]!.ack()
  assert.deepEqual(await third, { published: 1, duplicates: 0 })
})

test('the records of the common case and of the paths that wait (a cap not cached yet, a record to shrink) carry the same headers', async () => {
  const headersOf = async (maxMessageBytes: number, isCached: boolean) => {
    const { sends, publisher, records } = setup(200, 1 << 20, maxMessageBytes, isCached)
    const published = publisher.publish(records, ROOT_CONTEXT)
    await settle()
    sends[0]!.ack()
    await published
    // Each setup makes new wamids: the event id is checked here, the rest compared below.
    return sends[0]!.records.map((r, i) => {
      assert.equal(r.headers?.['event-id'], records[i]!.eventId)
      return { ...r.headers, 'event-id': 'id' } as Record<string, unknown>
    })
  }
  const common = await headersOf(1_048_588, true)
  assert.deepEqual(Object.keys(common[0]!), ['event-id', 'content-type', 'schema-fingerprint'])
  assert.deepEqual(await headersOf(1_048_588, false), common)
  // Small enough that message_json gives way, not so small that the record cannot fit at all.
  const shrunk = await headersOf(400, true)
  assert.match(String(shrunk[0]!['wa-truncated']), /^message_json/)
  assert.deepEqual(shrunk, [{ 'wa-truncated': shrunk[0]!['wa-truncated'], ...common[0] }])
})
