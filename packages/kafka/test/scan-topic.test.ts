import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { scanTopicToEnd } from '../src/scan-topic.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from './helpers.ts'

const SESSION_TIMEOUT_MS = 6_000 // the broker's group.min.session.timeout.ms

/** A client and a new one-partition topic holding `count` records of `bytes` each, one send (one record batch) each. */
async function topicOf (t: TestContext, count: number, bytes: number): Promise<{ kafka: Kafka, topic: string }> {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('scan')
  await createTopic(admin, topic, 1)
  const producer = kafka.producer()
  await producer.connect()
  t.after(() => producer.disconnect())
  for (let i = 0; i < count; i++) await producer.send({ topic, messages: [{ key: String(i), value: Buffer.alloc(bytes, i) }] })
  return { kafka, topic }
}

const sorted = (offsets: string[]) => [...offsets].sort((a, b) => Number(a) - Number(b))
const upTo = (count: number) => Array.from({ length: count }, (_, i) => String(i))

// The webhooks replay parks every record its scan visits, and the DLQ replay sends a new request for each:
// a record visited twice is a delivery or a WhatsApp message sent twice.
test('a scan whose group drops it mid-partition (a visit slower than its session) visits each record once', { timeout: 90_000 }, async (t) => {
  // 400 KB each: a fetch (1 MB per partition) brings two or three, so the partition takes several batches.
  const { kafka, topic } = await topicOf(t, 8, 400_000)
  const visits: string[] = []
  const visited = await scanTopicToEnd(kafka, topic, async (message) => {
    visits.push(message.offset)
    // No heartbeat goes out during this visit: the group expires the session and, once the visit
    // returns, the consumer rejoins with no committed offset and is handed the partition from its start.
    if (visits.length === 1) await sleep(SESSION_TIMEOUT_MS + 3_000)
  }, { groupIdPrefix: 'test-scan', sessionTimeoutMs: SESSION_TIMEOUT_MS })

  const twice = visits.filter((offset, i) => visits.indexOf(offset) !== i)
  assert.deepEqual(twice, [], `offsets visited more than once: ${twice.join(', ')} (visits in order: ${visits.join(', ')})`)
  assert.deepEqual(sorted(visits), upTo(8))
  assert.equal(visited, 8)
})

test('a topic written in a transaction, its commit marker fetched alone, is scanned to its end', { timeout: 30_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('scan-txn')
  await createTopic(admin, topic, 1)
  const producer = kafka.producer({ transactionalId: uniqueName('scan-txn'), idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.after(() => producer.disconnect())
  const txn = await producer.transaction()
  await txn.send({ topic, messages: upTo(3).map((i) => ({ key: i, value: Buffer.alloc(2_000, i) })) })
  await txn.commit()
  // The commit is visible once the coordinator has written its marker, a moment after commit() returns; the end
  // offsets a scan starts from are the last stable ones (read_committed), so it waits for the marker's offset first.
  await waitFor(async () => (await admin.fetchTopicOffsets(topic))[0]?.high === '4', 10_000, 'the commit marker written')

  // A fetch brings at least one whole record batch and stops at the limit: the records in one, the marker (offset 3) alone in the next.
  const visits: string[] = []
  const visited = await scanTopicToEnd(kafka, topic, (message) => { visits.push(message.offset) }, { groupIdPrefix: 'test-scan', maxBytesPerPartition: 100 })
  assert.deepEqual(visits, upTo(3))
  assert.equal(visited, 3)
})

test('isDone ends a scan early; a visit that throws ends it with its error, the record not visited again', { timeout: 60_000 }, async (t) => {
  const { kafka, topic } = await topicOf(t, 6, 100)
  const early: string[] = []
  assert.equal(await scanTopicToEnd(kafka, topic, (message) => { early.push(message.offset) }, { groupIdPrefix: 'test-scan', isDone: () => early.length === 2 }), 2)
  assert.deepEqual(early, upTo(2))

  const visits: string[] = []
  await assert.rejects(scanTopicToEnd(kafka, topic, (message) => {
    visits.push(message.offset)
    if (message.offset === '3') throw new Error('cannot decode record 3')
  }, { groupIdPrefix: 'test-scan' }), /cannot decode record 3/)
  assert.deepEqual(visits, upTo(4))
})

test('an empty topic is scanned at once, with no consumer group', { timeout: 30_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('scan-empty')
  await createTopic(admin, topic, 3)
  const groupIdPrefix = uniqueName('test-scan-empty')
  assert.equal(await scanTopicToEnd(kafka, topic, () => { throw new Error('no record to visit') }, { groupIdPrefix, admin }), 0)
  assert.deepEqual((await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(groupIdPrefix)), [])
})
