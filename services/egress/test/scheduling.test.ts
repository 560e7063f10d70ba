import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import type { IHeaders, Kafka } from 'kafkajs'
import { ensureTopics, fromKafkaHeaders, RELEASED_HEADER, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, MAX_SEND_AHEAD_MS, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createEgress } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { scheduledTopic } from '../src/forward.ts'
import { codec, collect, prepareTopics, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

interface RawRecord { partition: number, offset: string, key: string | undefined, value: Buffer | null, headers: IHeaders | undefined }

/** Every committed record of a topic, from the beginning, while the test runs. */
async function collectRaw (t: TestContext, kafka: Kafka, topic: string): Promise<RawRecord[]> {
  const records: RawRecord[] = []
  const seen = new Set<string>()
  const consumer = kafka.consumer({ groupId: `raw-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      // This reader's own group can rebalance (or kafkajs restart it) and re-deliver uncommitted records: keep each partition@offset once.
      const at = `${partition}@${message.offset}`
      if (seen.has(at)) return
      seen.add(at)
      records.push({ partition, offset: message.offset, key: message.key?.toString('utf8'), value: message.value, headers: message.headers })
    }
  })
  return records
}

const avro = (prefix: string, r: OutboundRequest) => ({
  topic: topicNames(prefix).outboundRequests,
  key: r.phone_number_id,
  value: codec.encode('OutboundRequest', r),
  headers: toKafkaHeaders({ eventId: r.request_id ?? undefined, contentType: contentTypeFor('OutboundRequest') })
})

const json = (prefix: string, phoneNumberId: string, body: Record<string, unknown>) => ({
  topic: topicNames(prefix).outboundRequests,
  key: phoneNumberId,
  value: JSON.stringify({ phone_number_id: phoneNumberId, message: { type: 'text', text: { body: 'hi' } }, ...body }),
  headers: { 'content-type': 'application/json' }
})

const byId = (results: OutboundResult[], id: string) => results.filter((r) => r.request_id === id)

/** An egress whose clock runs `skew.ms` ahead of the real one. */
async function startSkewedEgress (t: TestContext, env: Record<string, string>, skew: { ms: number }) {
  const egress = createEgress(loadConfig(env), { logger: createLogger({ level: 'warn', name: 'scheduling-test' }), clock: () => Date.now() + skew.ms })
  t.after(() => egress.stop())
  await egress.start()
  return egress
}

test('a future send_at is forwarded to the scheduled topic once and its offset commits; the released copy is sent once; > 365 days fails', { timeout: 90_000 }, async (t) => {
  const prefix = `sched-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  const skew = { ms: 0 }
  const env = testEnv(prefix, sim.url)
  await startSkewedEgress(t, env, skew)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const deadLetters = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')
  const scheduled = await collectRaw(t, kafka, scheduledTopic(prefix))
  const requests = await collectRaw(t, kafka, topicNames(prefix).outboundRequests)
  const producer = await requestProducer(t, kafka)

  const now = Date.now()
  const later = textRequest('7101', '+15550001001', 'later', { send_at: now + 60_000, priority: 'bulk' })
  await producer.send([
    avro(prefix, later),
    avro(prefix, textRequest('7101', '+15550001002', 'past', { send_at: now - 60_000 })),
    avro(prefix, textRequest('7101', '+15550001003', 'within-a-second', { send_at: now + 500 })),
    avro(prefix, textRequest('7101', '+15550001004', 'too-far', { send_at: now + MAX_SEND_AHEAD_MS + 24 * 3600_000 }))
  ])
  await waitFor(() => ['past', 'within-a-second', 'too-far'].every((id) => byId(results, id).length > 0) && scheduled.length > 0, 30_000,
    () => `results ${results.map((r) => r.request_id).join(',')}; scheduled ${scheduled.length}`)
  assert.equal(byId(results, 'past')[0]!.status, 'accepted', 'a past send_at is sent now')
  assert.equal(byId(results, 'within-a-second')[0]!.status, 'accepted', 'a send_at within a second counts as now')
  const tooFar = byId(results, 'too-far')[0]!
  assert.equal(tooFar.status, 'failed')
  assert.equal(tooFar.error?.class, 'permanent')
  assert.match(tooFar.error?.message ?? '', /send_at is more than 365 days ahead/)
  assert.equal(tooFar.attempts, 0)
  await waitFor(() => deadLetters.some((d) => d.request_id === 'too-far'), 20_000, 'the dead letter of the request too far ahead')
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'too-far' }).length, 0)
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'later' }).length, 0, 'not sent before its time')
  assert.equal(byId(results, 'later').length, 0, 'a forward is no result')

  // The forward: same key, value and headers, in the partition its key gives.
  const forwarded = scheduled[0]!
  const source = requests.find((r) => fromKafkaHeaders(r.headers).eventId === 'later')!
  assert.equal(forwarded.key, '7101')
  assert.deepEqual(forwarded.value, source.value)
  assert.equal(fromKafkaHeaders(forwarded.headers).eventId, 'later')
  assert.equal(fromKafkaHeaders(forwarded.headers).contentType, contentTypeFor('OutboundRequest'))
  assert.equal(forwarded.partition, source.partition)

  // Every offset of the partition commits (the forwarded one included), and the forward stays single.
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const high = (await admin.fetchTopicOffsets(topicNames(prefix).outboundRequests)).find((p) => p.partition === source.partition)!.high
  await waitFor(async () => {
    const [committed] = await admin.fetchOffsets({ groupId: env.EGRESS_GROUP_ID!, topics: [topicNames(prefix).outboundRequests] })
    return committed?.partitions.find((p) => p.partition === source.partition)?.offset === high
  }, 20_000, 'the offsets up to the forwarded request committed')
  assert.equal(scheduled.length, 1, 'forwarded exactly once')

  // A copy the scheduler released is due even when this egress's clock is behind the scheduler's:
  // sent, never forwarded back (else the scheduler, which ignores ids it released, would drop it).
  const behind = textRequest('7101', '+15550001005', 'released-behind', { send_at: Date.now() + 30_000 })
  await producer.send([{ ...avro(prefix, behind), headers: { ...avro(prefix, behind).headers, [RELEASED_HEADER]: String(Date.now()) } }])
  await waitFor(() => byId(results, 'released-behind').length > 0, 30_000, 'the released copy with a later send_at is sent')
  assert.equal(byId(results, 'released-behind')[0]!.status, 'accepted')
  assert.equal(scheduled.length, 1, 'the released copy is not forwarded')

  // The scheduler releases it at its time: the same value back on the requests topic. Egress's clock is now past send_at.
  skew.ms = 61_000
  await producer.send([avro(prefix, later)])
  await waitFor(() => byId(results, 'later').length > 0, 30_000, 'the released copy is sent')
  assert.equal(byId(results, 'later')[0]!.status, 'accepted')
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'later' }).length, 1)
  assert.equal(scheduled.length, 1, 'the released copy is not forwarded again')
  assert.deepEqual(sim.duplicates(), [])
})

test('an unparseable send_at or an unknown priority fails with a reason naming the field, Avro and JSON, and the partition goes on', { timeout: 90_000 }, async (t) => {
  const prefix = `sched-bad-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await startSkewedEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1' }), { ms: 0 })
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const producer = await requestProducer(t, kafka)
  await producer.send([
    json(prefix, '7102', { request_id: 'json-send-at', to: '+15550001011', send_at: 'tomorrow at noon' }),
    json(prefix, '7102', { request_id: 'json-priority', to: '+15550001012', priority: 'urgent' }),
    avro(prefix, textRequest('7102', '+15550001013', 'avro-priority', { priority: 'urgent' })),
    avro(prefix, textRequest('7102', '+15550001014', 'avro-send-at', { send_at: 9e15 })),
    json(prefix, '7102', { request_id: 'json-good', to: '+15550001015', send_at: new Date(Date.now() - 1000).toISOString(), priority: 'bulk' }),
    avro(prefix, textRequest('7102', '+15550001016', 'avro-good', { priority: 'interactive' }))
  ])
  const ids = ['json-send-at', 'json-priority', 'avro-priority', 'avro-send-at', 'json-good', 'avro-good']
  await waitFor(() => ids.every((id) => byId(results, id).length > 0), 30_000, () => `results ${results.map((r) => r.request_id).join(',')}`)
  for (const [id, field] of [['json-send-at', 'send_at'], ['json-priority', 'priority'], ['avro-priority', 'priority'], ['avro-send-at', 'send_at']] as const) {
    const r = byId(results, id)[0]!
    assert.equal(r.status, 'failed', id)
    assert.equal(r.error?.class, 'permanent', id)
    assert.ok(r.error?.message.includes(field), `${id}: the reason names ${field}: ${r.error?.message}`)
  }
  assert.equal(byId(results, 'json-good')[0]!.status, 'accepted')
  assert.equal(byId(results, 'avro-good')[0]!.status, 'accepted')
  assert.equal(sim.accepted().length, 2)
})

test('a forward whose offset was not committed when egress was killed is not forwarded again by the next owner', { timeout: 90_000 }, async (t) => {
  const prefix = `sched-crash-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await ensureTopics(admin, { prefix, partitions: 1, replicationFactor: 1, only: [], extra: [{ topic: scheduledTopic(prefix) }] })
  // Offsets commit once at start, then only every minute: the forward's offset stays uncommitted.
  const env = testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1', EGRESS_COMMIT_INTERVAL_MS: '60000', LOG_LEVEL: 'error' })
  const producer = await requestProducer(t, kafka)
  await producer.send([avro(prefix, textRequest('7103', '+15550001021', 'later-crash', { send_at: Date.now() + 3600_000 }))])
  const first = spawn(process.execPath, ['--conditions=source', fileURLToPath(new URL('../src/main.ts', import.meta.url))], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  first.stderr!.resume()
  t.after(() => { first.kill('SIGKILL') })
  const scheduled = await collectRaw(t, kafka, scheduledTopic(prefix))
  await waitFor(() => scheduled.length > 0, 40_000, 'the forward')
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  const committedOffset = async () => (await admin.fetchOffsets({ groupId: env.EGRESS_GROUP_ID!, topics: [topicNames(prefix).outboundRequests] }))[0]?.partitions[0]?.offset
  assert.notEqual(await committedOffset(), '1', 'the forwarded request\'s offset was not committed before the kill')

  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, { ...env, EGRESS_COMMIT_INTERVAL_MS: '200' })
  await producer.send([avro(prefix, textRequest('7103', '+15550001022', 'after-crash'))])
  await waitFor(() => byId(results, 'after-crash').length > 0, 40_000, 'the next owner sends the request after it')
  await waitFor(async () => await committedOffset() === '2', 20_000, 'both offsets committed')
  assert.equal(scheduled.length, 1, 'forwarded once: the next owner read the forward back')
  assert.equal(byId(results, 'later-crash').length, 0)
})
