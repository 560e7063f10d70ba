import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { Partitioners, type Kafka, type Message } from 'kafkajs'
import { connectedAdmin, createTopic, firstJoinCrashes, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { createStatusIndex, type StatusIndex, type StatusIndexOptions } from '../../src/settlement/status-index.ts'
import type { StatusEvidence } from '../../src/settlement/status-evidence.ts'
import { codec, META_TIME, RECIPIENT, statusRecord, type StatusInput } from './fixtures.ts'

const HOUR = 3_600_000

async function producerFor (t: TestContext, kafka: Kafka, transactionalId?: string) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(transactionalId ? { transactionalId, idempotent: true, maxInFlightRequests: 1 } : {})
  })
  await producer.connect()
  t.after(() => producer.disconnect())
  return producer
}

function message (topic: string, input: StatusInput, options: { withStatusHeaders?: boolean, partition?: number, timestamp?: number } = {}): Message {
  const { key, value, headers } = statusRecord(input, { topic, ...(options.withStatusHeaders !== undefined && { withStatusHeaders: options.withStatusHeaders }) })
  return { key, value, headers, partition: options.partition ?? 0, ...(options.timestamp !== undefined && { timestamp: String(options.timestamp) }) }
}

async function startIndex (t: TestContext, kafka: Kafka, overrides: Partial<StatusIndexOptions> & Pick<StatusIndexOptions, 'topic'>): Promise<StatusIndex> {
  const index = createStatusIndex(kafka, { groupId: uniqueName('egress'), windowMs: HOUR, clock: Date.now, codec, ...overrides })
  t.after(() => index.stop())
  await index.start()
  return index
}

test('once started, the index knows every deciding status the topic held: from headers, from the Avro value alone, and failed ones with Meta\'s error', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('statuses')
  await createTopic(admin, topic, 3)
  const producer = await producerFor(t, kafka)
  const failedError = { code: 131026, title: 'Message undeliverable', error_data: { details: 'Unable to deliver the message.' } }
  await producer.send({
    topic,
    messages: [
      message(topic, { requestId: 'from-headers', status: 'delivered', wamid: 'wamid.H' }, { partition: 0 }),
      message(topic, { requestId: 'from-headers', status: 'read', wamid: 'wamid.H' }, { partition: 0 }),
      message(topic, { requestId: 'avro-only', status: 'sent', wamid: 'wamid.A' }, { partition: 1, withStatusHeaders: false }),
      message(topic, { requestId: 'failed', status: 'failed', wamid: 'wamid.F', errors: [failedError] }, { partition: 2 }),
      message(topic, { requestId: 'played-only', status: 'played' }, { partition: 2 }),
      message(topic, { requestId: null, status: 'delivered' }, { partition: 2 }),
      // Headers are enough for a status that is not failed: the value is not even read.
      { ...message(topic, { requestId: 'headers-not-value', status: 'sent', wamid: 'wamid.V' }, { partition: 1 }), value: Buffer.from('not avro') },
      { ...message(topic, { requestId: 'broken', status: 'sent' }, { partition: 1, withStatusHeaders: false }), value: Buffer.from('not avro') }
    ]
  })
  const warnings: string[] = []
  const index = await startIndex(t, kafka, { topic, logger: { warn: (_obj, msg) => warnings.push(msg) } })

  assert.deepEqual(pick(index.lookup('from-headers')), { status: 'delivered', wamid: 'wamid.H', recipientId: RECIPIENT, error: null, at: META_TIME })
  assert.deepEqual(pick(index.lookup('avro-only')), { status: 'sent', wamid: 'wamid.A', recipientId: RECIPIENT, error: null, at: META_TIME })
  assert.deepEqual(pick(index.lookup('failed')), {
    status: 'failed',
    wamid: 'wamid.F',
    recipientId: RECIPIENT,
    error: { code: 131026, subcode: null, message: 'Message undeliverable', details: 'Unable to deliver the message.', class: 'permanent', fbtrace_id: null },
    at: META_TIME
  })
  assert.equal(index.lookup('headers-not-value')?.wamid, 'wamid.V')
  assert.equal(index.lookup('played-only'), undefined)
  assert.equal(index.lookup('broken'), undefined)
  assert.deepEqual(warnings, ['status record not decodable; skipped'])
  assert.deepEqual(index.stats(), { entries: 4, watched: 0, dropped: 0, expired: 0, undecodable: 1, caughtUp: true })

  const watched = new Promise<StatusEvidence>((resolve) => index.watch('arrives-later', resolve))
  let alreadyKnown: StatusEvidence | undefined
  index.watch('avro-only', (e) => { alreadyKnown = e })
  assert.equal(alreadyKnown?.wamid, 'wamid.A', 'a known id is called back at once')
  index.watch('thrower', () => { throw new Error('boom') })
  await producer.send({
    topic,
    messages: [
      message(topic, { requestId: 'thrower', status: 'sent' }, { partition: 2 }),
      message(topic, { requestId: 'arrives-later', status: 'sent', wamid: 'wamid.L' }, { partition: 2 })
    ]
  })
  assert.equal((await watched).wamid, 'wamid.L', 'a watcher that throws does not stop the statuses after it')
  assert.deepEqual(warnings, ['status record not decodable; skipped', 'status watcher failed'])
})

test('reading starts at now − windowMs, and evidence leaves once the window after it was seen has passed', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('statuses')
  await createTopic(admin, topic, 1)
  const producer = await producerFor(t, kafka)
  await producer.send({
    topic,
    messages: [
      message(topic, { requestId: 'two-hours-ago', status: 'sent' }, { timestamp: Date.now() - 2 * HOUR }),
      message(topic, { requestId: 'just-now', status: 'sent' })
    ]
  })
  let shiftMs = 0
  const index = await startIndex(t, kafka, { topic, windowMs: HOUR, clock: () => Date.now() + shiftMs })
  assert.equal(index.lookup('two-hours-ago'), undefined, 'older than the window: not read')
  assert.equal(index.lookup('just-now')?.status, 'sent')

  const unsubscribe = index.watch('kept-while-watched', () => {})
  await producer.send({ topic, messages: [message(topic, { requestId: 'kept-while-watched', status: 'read' })] })
  await waitFor(() => index.lookup('kept-while-watched') !== undefined, 10_000, 'the watched status')
  shiftMs = 2 * HOUR
  assert.equal(index.lookup('just-now'), undefined)
  assert.equal(index.lookup('kept-while-watched')?.status, 'read', 'a watched id outlives the window')
  unsubscribe()
  assert.equal(index.lookup('kept-while-watched'), undefined)
  assert.equal(index.stats().expired, 2)
})

test('an empty statuses topic counts as caught up at once', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('statuses')
  await createTopic(admin, topic, 2)
  const index = await startIndex(t, kafka, { topic })
  assert.equal(index.stats().caughtUp, true)
  assert.equal(index.stats().entries, 0)
})

test('catching up ends on partitions whose last records are transaction markers, committed or aborted', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('statuses')
  await createTopic(admin, topic, 2)
  const producer = await producerFor(t, kafka, uniqueName('ingress-tx'))
  const committed = await producer.transaction()
  await committed.send({
    topic,
    messages: [
      message(topic, { requestId: 'committed-0', status: 'delivered' }, { partition: 0 }),
      message(topic, { requestId: 'committed-1', status: 'sent' }, { partition: 1 })
    ]
  })
  await committed.commit()
  const aborted = await producer.transaction()
  await aborted.send({ topic, messages: [message(topic, { requestId: 'aborted-1', status: 'sent' }, { partition: 1 })] })
  await aborted.abort()
  // Partition 0 ends with a commit marker, partition 1 with an aborted record and an abort marker:
  // neither ends with a data record at high watermark − 1. The coordinator writes the markers after
  // commit()/abort() return, and kafkajs lists read_committed offsets (the last stable offset), so
  // the ends are awaited rather than read once.
  let ends: Array<[number, string]> = []
  await waitFor(async () => {
    ends = (await admin.fetchTopicOffsets(topic)).map((p): [number, string] => [p.partition, p.high]).sort()
    return JSON.stringify(ends) === JSON.stringify([[0, '2'], [1, '4']])
  }, 10_000, () => `both transaction markers written (ends ${JSON.stringify(ends)})`)

  const index = await startIndex(t, kafka, { topic })
  assert.equal(index.stats().caughtUp, true)
  assert.equal(index.lookup('committed-0')?.status, 'delivered')
  assert.equal(index.lookup('committed-1')?.status, 'sent')
  assert.equal(index.lookup('aborted-1'), undefined, 'read_committed: an aborted status is not evidence')
})

function pick (e: StatusEvidence | undefined) {
  if (!e) return undefined
  const { status, wamid, recipientId, error, at } = e
  return { status, wamid, recipientId, error, at }
}

test('a first join that crashes and is restarted by kafkajs still reads from now − windowMs, and start() resolves', { timeout: 60_000 }, async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('statuses')
  await createTopic(admin, topic, 2)
  const producer = await producerFor(t, kafka)
  await producer.send({
    topic,
    messages: [
      message(topic, { requestId: 'two-hours-ago', status: 'sent' }, { partition: 0, timestamp: Date.now() - 2 * HOUR }),
      message(topic, { requestId: 'just-now-0', status: 'sent' }, { partition: 0 }),
      message(topic, { requestId: 'just-now-1', status: 'delivered' }, { partition: 1 })
    ]
  })
  const index = await startIndex(t, firstJoinCrashes(kafka), { topic, windowMs: HOUR })
  assert.equal(index.stats().caughtUp, true)
  assert.equal(index.lookup('two-hours-ago'), undefined, 'older than the window: not read')
  assert.equal(index.lookup('just-now-0')?.status, 'sent')
  assert.equal(index.lookup('just-now-1')?.status, 'delivered')
})
