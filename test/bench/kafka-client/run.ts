/**
 * Kafka client comparison (issue 18): the produce path ingress uses (acks=all, idempotent, one
 * 1 KB record with a key and five headers per webhook, many callers at once, each waiting for its
 * acknowledgement), through
 * - `wabridge`: @wabridge/kafka's producer (kafkajs with the wabridge encoder; concurrent callers'
 *   records coalesced into few produce requests), what ingress runs;
 * - `kafkajs`: kafkajs' own producer, one send() per record;
 * - `platformatic`: @platformatic/kafka's producer, one send() per record;
 * and, for the clients' raw encoding cost, `*-batch`: one send() of 100 records per caller.
 * Rounds alternate the clients in one process against one broker; it prints records/s, CPU µs per
 * record (this process) and latency percentiles per send, and each client's ratio to `wabridge`.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=source test/bench/kafka-client/run.ts [--records 20000] [--callers 64] [--rounds 2]
 */
import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import { Kafka, logLevel } from 'kafkajs'
import { Producer as PlatformaticProducer, ProduceAcks } from '@platformatic/kafka'
import { createKafkaClient, createProducer } from '@wabridge/kafka'

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '20000' },
    callers: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '2' }
  }
})
const RECORDS = Number(values.records)
const CALLERS = Number(values.callers)
const ROUNDS = Number(values.rounds)
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const topic = `bench-client-${randomUUID().slice(0, 8)}`
const VALUE = Buffer.alloc(1024, 'x')
const headers = { 'wa-event-id': 'e'.repeat(64), 'wa-phone-number-id': '106540352242922', 'wa-waba-id': '102290129340398', 'content-type': 'application/vnd.wabridge.inbound-message+avro', 'wa-received-at': String(Date.now()) }
const keyOf = (i: number) => `106540352242922:3161${i % 1000}`

type SendMany = (records: number[]) => Promise<void>
interface Client { name: string, batch: number, start(): Promise<SendMany>, stop(): Promise<void> }

function kafkajsClient (batch: number): Client {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 })
  return {
    name: batch === 1 ? 'kafkajs' : 'kafkajs-batch',
    batch,
    async start () {
      await producer.connect()
      return async (ids) => { await producer.send({ topic, acks: -1, messages: ids.map((i) => ({ key: keyOf(i), value: VALUE, headers })) }) }
    },
    stop: () => producer.disconnect()
  }
}

function wabridgeClient (batch: number): Client {
  const producer = createProducer(createKafkaClient({ brokers, clientId: 'bench-wabridge' }))
  return {
    name: batch === 1 ? 'wabridge' : 'wabridge-batch',
    batch,
    async start () {
      await producer.start()
      return async (ids) => { await producer.send(ids.map((i) => ({ topic, key: keyOf(i), value: VALUE, headers }))) }
    },
    stop: () => producer.stop()
  }
}

function platformaticClient (batch: number): Client {
  const producer = new PlatformaticProducer({ clientId: 'bench-platformatic', bootstrapBrokers: brokers, idempotent: true, acks: ProduceAcks.ALL, retries: 5 })
  // Its serialisers default to Buffers, header keys included.
  const headerBuffers = new Map(Object.entries(headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)]))
  return {
    name: batch === 1 ? 'platformatic' : 'platformatic-batch',
    batch,
    async start () {
      return async (ids) => { await producer.send({ messages: ids.map((i) => ({ topic, key: Buffer.from(keyOf(i)), value: VALUE, headers: headerBuffers })) }) }
    },
    stop: () => producer.close()
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0

async function measure (client: Client): Promise<{ perSecond: number, cpuUs: number, p50: number, p99: number }> {
  const send = await client.start()
  await send([0]) // connection, metadata, producer id
  const latencies: number[] = []
  let next = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (next < RECORDS) {
      const ids = Array.from({ length: Math.min(client.batch, RECORDS - next) }, () => next++)
      const started = performance.now()
      await send(ids)
      latencies.push(performance.now() - started)
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  await client.stop()
  latencies.sort((a, b) => a - b)
  return { perSecond: RECORDS / seconds, cpuUs: (cpu.user + cpu.system) / RECORDS, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) }
}

const admin = createKafkaClient({ brokers, clientId: 'bench-admin' }).admin()
await admin.connect()
await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true })
console.log(`# Kafka client benchmark: ${RECORDS} records of 1 KB per client and round, ${CALLERS} callers, ${ROUNDS} round(s), topic ${topic}, broker ${brokers.join(',')}`)
const makers = [wabridgeClient, kafkajsClient, platformaticClient]
const results = new Map<string, Array<{ perSecond: number, cpuUs: number, p50: number, p99: number }>>()
for (let round = 1; round <= ROUNDS; round++) {
  for (const batch of [1, 100]) {
    for (const make of round % 2 === 1 ? makers : [...makers].reverse()) {
      const client = make(batch)
      const r = await measure(client)
      results.set(client.name, [...results.get(client.name) ?? [], r])
      console.log(`round ${round} ${client.name.padEnd(18)} ${Math.round(r.perSecond).toString().padStart(7)} records/s  ${r.cpuUs.toFixed(1).padStart(6)} CPU-µs/record  send p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`)
    }
  }
}
await admin.deleteTopics({ topics: [topic] }).catch(() => {})
await admin.disconnect()
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
console.log('\n# medians over the rounds, ratios to the same batch size through @wabridge/kafka (throughput: higher is better; CPU: lower is better)')
for (const [name, rs] of results) {
  const base = results.get(name.endsWith('-batch') ? 'wabridge-batch' : 'wabridge')!
  const perSecond = median(rs.map((r) => r.perSecond))
  const cpuUs = median(rs.map((r) => r.cpuUs))
  console.log(`${name.padEnd(18)} ${Math.round(perSecond).toString().padStart(7)} records/s (${(perSecond / median(base.map((r) => r.perSecond))).toFixed(2)})  ${cpuUs.toFixed(1).padStart(6)} CPU-µs/record (${(cpuUs / median(base.map((r) => r.cpuUs))).toFixed(2)})`)
}
