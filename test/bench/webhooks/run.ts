/**
 * CRM webhooks benchmark: the webhooks service (in this process) delivers inbound messages to a
 * local HTTP receiver that fails 1 % of the events on their first attempt (503) and accepts them on
 * the retry. Messages are produced at once as a backlog of `--messages` across `--customers`
 * conversations; prints deliveries per second (first produce to last accepted delivery), the share
 * retried, and latency percentiles from produce to acceptance (first attempts; retried ones apart).
 *
 *   npx tsx --conditions=source test/bench/webhooks/run.ts [--messages 20000] [--customers 500] [--fail-percent 1] [--rate 200]
 *
 * Without --rate the messages are a backlog produced at once (throughput; latency is then mostly
 * queueing); with --rate they are produced at that pace (latency below capacity).
 *
 * Uses KAFKA_BROKERS (default 127.0.0.1:9092: start it with npm run kafka:start). WEBHOOKS_* variables
 * of the environment configure the service under test (WEBHOOKS_RETRY_MIN_MS defaults to 1000 here).
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createWebhooks, loadConfig } from '../../../services/webhooks/src/index.ts'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    customers: { type: 'string', default: '500' },
    'fail-percent': { type: 'string', default: '1' },
    rate: { type: 'string' }
  }
})
/** Messages per second, produced in 100 ms steps; unset = the whole backlog at once (throughput). */
const rate = values.rate === undefined ? undefined : Number(values.rate)
const total = Number(values.messages)
const customers = Number(values.customers)
const failShare = Number(values['fail-percent']) / 100
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-wh-${randomUUID().slice(0, 8)}`
const PHONE = '106540352242922'

// The receiver: a 503 on the first attempt of ~1 % of the events (chosen by webhook-id), 200 otherwise.
const firstSeen = new Set<string>()
const accepted = new Map<string, { at: number, producedAt: number, retried: boolean }>()
let requests = 0
let duplicates = 0
const isUnlucky = (id: string) => createHash('sha256').update(id).digest().readUInt32BE(0) / 2 ** 32 < failShare
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    requests++
    const id = String(req.headers['webhook-id'])
    const isFirst = !firstSeen.has(id)
    firstSeen.add(id)
    if (isFirst && isUnlucky(id)) { res.writeHead(503).end(); return }
    if (accepted.has(id)) duplicates++
    else {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { message: { text: { body: string } } } }
      accepted.set(id, { at: performance.now(), producedAt: Number(body.data.message.text.body), retried: !isFirst })
    }
    res.writeHead(200).end()
  })
})
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`

const config = loadConfig({
  WEBHOOKS_RETRY_MIN_MS: '1000',
  ...process.env,
  KAFKA_BROKERS: brokers,
  TOPIC_PREFIX: prefix,
  WEBHOOKS_PORT: '0',
  WEBHOOKS_FROM_BEGINNING: 'true',
  WEBHOOKS_ALLOW_HOSTS: '127.0.0.1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn'
})
const app = createWebhooks(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'webhooks-bench' }), onFatal: (err) => { throw err } })
await app.start()
await app.admin.add({ url, eventTypes: ['message.received'] })

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-webhooks' })
const producer = createProducer(kafka)
await producer.start()
const codec = createCodec()
const topic = topicNames(prefix).inboundMessages
function message (i: number, producedAt: number): InboundMessage {
  const from = String(16505550000 + (i % customers))
  const id = `wamid.bench.${i}`
  return {
    event_id: id,
    waba_id: '102290129340398',
    phone_number_id: PHONE,
    display_phone_number: '15550783881',
    customer_wa_id: from,
    customer_name: null,
    message_id: id,
    type: 'text',
    meta_timestamp: Date.now(),
    received_at: Date.now(),
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from, id, type: 'text', text: { body: String(producedAt) } }),
    contact_json: null
  }
}

const started = performance.now()
const step = rate === undefined ? 1000 : Math.max(1, Math.round(rate / 10))
for (let i = 0; i < total; i += step) {
  if (rate !== undefined) {
    const due = started + (i / rate) * 1000
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()))
  }
  const producedAt = performance.now()
  const batch = await Promise.all(Array.from({ length: Math.min(step, total - i) }, async (_, j) => {
    const m = message(i + j, producedAt)
    return { topic, key: `${PHONE}:${m.customer_wa_id}`, value: await codec.serialize(topic, 'InboundMessage', m) }
  }))
  await producer.send(batch)
}
const producedMs = performance.now() - started
const deadline = Date.now() + 10 * 60_000
while (accepted.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
const lastAt = Math.max(...[...accepted.values()].map((a) => a.at))
const seconds = (lastAt - started) / 1000

const pct = (sorted: number[], p: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]!
const direct = [...accepted.values()].filter((a) => !a.retried).map((a) => a.at - a.producedAt).sort((a, b) => a - b)
const retried = [...accepted.values()].filter((a) => a.retried).map((a) => a.at - a.producedAt).sort((a, b) => a - b)
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(0)} ms, p90 ${pct(xs, 90).toFixed(0)} ms, p99 ${pct(xs, 99).toFixed(0)} ms, max ${pct(xs, 100).toFixed(0)} ms`
process.stdout.write([
  `webhooks benchmark: ${total} messages${rate === undefined ? ' (backlog)' : ` at ${rate}/s`}, ${customers} conversations, ${(failShare * 100).toFixed(1)} % failing once, retry after ${config.WEBHOOKS_RETRY_MIN_MS} ms, ${config.WEBHOOKS_CONCURRENCY} attempts in flight, ${config.KAFKA_TOPIC_PARTITIONS} partitions`,
  `  produced in ${(producedMs / 1000).toFixed(1)} s; delivered ${accepted.size}/${total} in ${seconds.toFixed(1)} s: ${(accepted.size / seconds).toFixed(0)} deliveries/s`,
  `  HTTP requests ${requests} (${retried.length} events retried, ${duplicates} duplicate deliveries)`,
  `  latency, produce → accepted, first attempt: ${fmt(direct)}`,
  `  latency, produce → accepted, after a retry (${retried.length}): ${fmt(retried)}`,
  ''
].join('\n'))

await producer.stop()
await app.stop()
receiver.closeAllConnections()
receiver.close()
