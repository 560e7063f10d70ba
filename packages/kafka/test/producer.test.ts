import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createKafkaClient, createProducer, toKafkaHeaders } from '../src/index.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

test('concurrent sends are coalesced into few produce requests and all land with their headers', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('coalesce')
  await createTopic(admin, topic, 3)
  const producer = createProducer(kafka, { lingerMs: 5 })
  await producer.start()
  t.after(() => producer.stop())

  const sends = Array.from({ length: 200 }, (_, i) => producer.send([
    { topic, key: `k${i % 7}`, value: `v${i}`, headers: toKafkaHeaders({ eventId: `e${i}`, contentType: 'text/plain' }) }
  ]))
  const acks = await Promise.all(sends)
  assert.equal(acks.length, 200)
  const stats = producer.stats()
  assert.equal(stats.records, 200)
  assert.ok(stats.batches <= 20, `expected coalescing, got ${stats.batches} produce requests for 200 sends`)

  const records = await readAll(kafka, topic, 200)
  assert.deepEqual(records.map((r) => r.value!.toString()).sort(), Array.from({ length: 200 }, (_, i) => `v${i}`).sort())
  const e5 = records.find((r) => r.value!.toString() === 'v5')!
  assert.equal(e5.headers['event-id'], 'e5')
  assert.equal(e5.headers['content-type'], 'text/plain')
})

test('records with the same key land in the same partition (murmur2, Java-compatible)', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('keys')
  await createTopic(admin, topic, 12)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  // Partitions computed by the Java client's DefaultPartitioner (murmur2(key) & 0x7fffffff) % 12.
  const [meta] = await producer.send([{ topic, key: '106540352242922', value: 'x' }])
  const again = await producer.send([{ topic, key: '106540352242922', value: 'y' }])
  assert.equal(meta!.partition, again[0]!.partition)
  assert.equal(meta!.partition, javaPartition('106540352242922', 12))
})

test('the producer lingers only when idle: records queued behind an in-flight batch go out as soon as it settles', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('linger')
  await createTopic(admin, topic, 1)
  // The first produce request is held until the second record has queued behind it.
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let inFlight!: () => void
  const firstInFlight = new Promise<void>((resolve) => { inFlight = resolve })
  const gated = Object.create(kafka) as Kafka
  gated.producer = (config) => {
    const real = kafka.producer(config)
    const sendBatch = real.sendBatch.bind(real)
    real.sendBatch = async (batch) => { inFlight(); await gate; return await sendBatch(batch) }
    return real
  }
  const lingerMs = 1000
  const producer = createProducer(gated, { lingerMs })
  await producer.start()
  t.after(() => producer.stop())

  const started = Date.now()
  const first = producer.send([{ topic, key: 'a', value: '1' }])
  await firstInFlight
  assert.ok(Date.now() - started >= lingerMs - 5, 'an idle producer lingers before its first batch')
  const second = producer.send([{ topic, key: 'b', value: '2' }])
  release()
  await first
  const firstAt = Date.now()
  await second
  assert.ok(Date.now() - firstAt < lingerMs / 2, `the queued record waited ${Date.now() - firstAt} ms after the batch before it`)
  assert.deepEqual(producer.stats(), { batches: 2, records: 2, failures: 0 })
})

test('stop() flushes queued records, and send() after stop is refused', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('flush')
  await createTopic(admin, topic)
  const producer = createProducer(kafka, { lingerMs: 50 })
  await producer.start()
  const pending = producer.send([{ topic, value: 'queued' }])
  await producer.stop()
  await pending
  await assert.rejects(producer.send([{ topic, value: 'late' }]), { code: 'KAFKA_PRODUCER_STOPPED' })
  const records = await readAll(kafka, topic, 1)
  assert.equal(records[0]!.value!.toString(), 'queued')
})

test('a send to an unreachable cluster fails with KAFKA_PUBLISH_TIMEOUT instead of hanging', async () => {
  const kafka = createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'unreachable', connectionTimeoutMs: 200 })
  const producer = createProducer(kafka, { maxRetryTimeMs: 1000 })
  await assert.rejects(producer.start())
})

/** Kafka's murmur2 as in the Java client, to check partition compatibility independently. */
function javaPartition (key: string, partitions: number): number {
  const data = Buffer.from(key)
  const seed = 0x9747b28c
  const m = 0x5bd1e995
  const r = 24
  let h = seed ^ data.length
  const len4 = data.length >> 2
  for (let i = 0; i < len4; i++) {
    let k = data.readInt32LE(i * 4)
    k = Math.imul(k, m); k ^= k >>> r; k = Math.imul(k, m)
    h = Math.imul(h, m); h ^= k
  }
  const rest = data.length & 3
  const idx = len4 * 4
  if (rest === 3) h ^= (data[idx + 2]! & 0xff) << 16
  if (rest >= 2) h ^= (data[idx + 1]! & 0xff) << 8
  if (rest >= 1) { h ^= data[idx]! & 0xff; h = Math.imul(h, m) }
  h ^= h >>> 13; h = Math.imul(h, m); h ^= h >>> 15
  return (h & 0x7fffffff) % partitions
}
