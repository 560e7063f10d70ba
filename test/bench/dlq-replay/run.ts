/**
 * How fast `wabridge dlq replay` replays dead letters, against the replay before the replay log
 * (each letter produced as a new request with a plain producer, one awaited send per letter, no
 * log, not idempotent) measured in the same run on the same letters. Writes `--letters` synthetic
 * dead letters (text requests that failed with 131026) to a fresh prefix's DLQ, then times:
 *   baseline  the old loop: scanDeadLetters + createProducer().send per letter
 *   replay    replayDeadLetters (each letter's request and log entry in transactions)
 *   repeat    replayDeadLetters again: every letter skipped (reads the log and the DLQ)
 * and prints letters/s, CPU-µs per letter (this process: user + system) and replay / baseline.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=source test/bench/dlq-replay/run.ts [--letters 20000] [--partitions 4]
 */
import { parseArgs } from 'node:util'
import { createKafkaClient, createProducer, ensureTopics, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, createCodec, type DeadLetter, type OutboundRequest } from '@wabridge/schemas'
import { replayDeadLetters, scanDeadLetters, toReplayRequest } from '../../../services/egress/src/dlq-replay.ts'

const { values } = parseArgs({ options: { letters: { type: 'string', default: '20000' }, partitions: { type: 'string', default: '4' } } })
const letters = Number(values.letters)
const partitions = Number(values.partitions)
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const kafka = createKafkaClient({ brokers, clientId: 'bench-dlq-replay' })
const codec = createCodec()
const prefix = `bench-dlq-${Date.now()}`
const topics = topicNames(prefix)
const admin = kafka.admin()
await admin.connect()
await ensureTopics(admin, { prefix, partitions, replicationFactor: 1, only: ['outboundRequests', 'outboundDlq'] })
await admin.disconnect()

// The dead letters: what egress writes for a request that failed for good.
const producer = createProducer(kafka)
await producer.start()
const now = Date.now()
for (let start = 0; start < letters; start += 500) {
  const batch = []
  for (let i = start; i < Math.min(letters, start + 500); i++) {
    const phone = String(6000 + (i % 8))
    const request: OutboundRequest = {
      request_id: `bench-${i}`,
      phone_number_id: phone,
      to: `+1555${String(1_000_000 + i)}`,
      message_json: JSON.stringify({ type: 'text', text: { body: `message ${i}` } }),
      expires_at: null,
      metadata: {},
      created_at: now
    }
    const original = await codec.serialize(topics.outboundRequests, 'OutboundRequest', request)
    const letter: DeadLetter = {
      request_id: request.request_id,
      phone_number_id: phone,
      to: request.to,
      reason: 'failed: 131026',
      error: { code: 131026, subcode: null, message: 'Message undeliverable', details: null, class: 'permanent', fbtrace_id: null },
      attempts: 1,
      failed_at: now,
      original_value: original,
      original_truncated: false,
      original_size: original.length,
      original_content_type: contentTypeFor('OutboundRequest'),
      source_topic: topics.outboundRequests,
      source_partition: i % partitions,
      source_offset: String(i)
    }
    batch.push({ topic: topics.outboundDlq, key: phone, value: await codec.serialize(topics.outboundDlq, 'DeadLetter', letter) })
  }
  await producer.send(batch)
}
console.log(`# ${letters} dead letters in ${topics.outboundDlq} (${partitions} partitions), broker ${brokers.join(',')}`)

async function measure (label: string, run: () => Promise<number>): Promise<number> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const count = await run()
  const seconds = (performance.now() - started) / 1000
  const used = process.cpuUsage(cpu)
  const rate = letters / seconds
  console.log(`${label.padEnd(9)} ${String(count).padStart(6)} replayed  ${seconds.toFixed(1).padStart(6)} s  ${rate.toFixed(0).padStart(6)} letters/s  ${((used.user + used.system) / letters).toFixed(0).padStart(5)} CPU-µs per letter`)
  return rate
}

// The replay before the log: one awaited send per letter.
const baseline = await measure('baseline', async () => {
  let sent = 0
  await scanDeadLetters(kafka, codec, topics.outboundDlq, {}, async (letter) => {
    const request = await toReplayRequest(codec, letter)
    if (!request) return
    await producer.send([{
      topic: topics.outboundRequests,
      key: request.phone_number_id,
      value: await codec.serialize(topics.outboundRequests, 'OutboundRequest', request),
      headers: toKafkaHeaders({ eventId: request.request_id ?? undefined, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: codec.fingerprintHex('OutboundRequest') })
    }])
    sent++
  })
  return sent
})
await producer.stop()
const replay = await measure('replay', async () => (await replayDeadLetters(kafka, codec, { prefix, filter: {} })).replayed)
await measure('repeat', async () => {
  const out = await replayDeadLetters(kafka, codec, { prefix, filter: {} })
  if (out.alreadyReplayed !== letters) throw new Error(`the repeat skipped ${out.alreadyReplayed} of ${letters}`)
  return out.replayed
})
console.log(`replay / baseline: ${(replay / baseline).toFixed(2)} (letters/s)`)
