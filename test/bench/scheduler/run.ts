/**
 * Scheduler benchmark: N requests written to <prefix>.outbound.scheduled, due uniformly over D,
 * released by one scheduler process (services/scheduler/src/main.ts, a child: its memory is its own).
 * Prints the release lateness (the released record's timestamp, taken when its transaction was built,
 * minus send_at; and its arrival at a consumer of the requests topic minus send_at), the release
 * throughput, and the scheduler's RSS and heap over time.
 *
 *   npx tsx --conditions=source test/bench/scheduler/run.ts [--count 1000000] [--duration 10m] [--partitions 12] [--max-indexed 100000]
 *
 * Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092). Short run: --count 100000 --duration 60s.
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { createConsumer, createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type OutboundRequest } from '@wabridge/schemas'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10m' },
    partitions: { type: 'string', default: '12' },
    'max-indexed': { type: 'string', default: '100000' }
  }
})
const toMs = (s: string) => { const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s); if (!m) throw new Error(`bad duration ${s}`); return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3600_000 }[m[2] ?? 's'] ?? 1000) }
const count = Number(args.count)
const durationMs = toMs(args.duration)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-sched-${randomUUID().slice(0, 8)}`
const out = (line: string) => process.stdout.write(`${line}\n`)
const mb = (b: number) => (b / 1048576).toFixed(0)

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

const port = await freePort()
const url = `http://127.0.0.1:${port}`
const main = fileURLToPath(new URL('../../../services/scheduler/src/main.ts', import.meta.url))
const child = spawn(process.execPath, ['--conditions=source', main], {
  env: { ...process.env, KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, KAFKA_TOPIC_PARTITIONS: args.partitions, SCHEDULER_PORT: String(port), SCHEDULER_MAX_INDEXED: args['max-indexed'], LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'inherit', 'inherit']
})
const stopChild = () => { if (child.exitCode === null) child.kill('SIGTERM') }
process.on('exit', stopChild)
for (let i = 0; ; i++) {
  const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false)
  if (ready) break
  if (i > 1200) throw new Error('the scheduler did not get ready in 60 s')
  await sleep(50)
}

const codec = createCodec()
const topics = topicNames(prefix)
const scheduledTopic = `${prefix}.outbound.scheduled`
const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-scheduler' })

// Lateness per released record, from the consumer of the requests topic.
const byTimestamp: number[] = []
const byArrival: number[] = []
const perSecond = new Map<number, number>()
let lastArrival = 0
const consumer = createConsumer(kafka, { groupId: `${prefix}.bench`, topics: [topics.outboundRequests], fromBeginning: true, maxWaitTimeMs: 50, partitionsConsumedConcurrently: 12 })
await consumer.start({
  eachBatch: async ({ batch, resolveOffset }) => {
    const now = Date.now()
    for (const m of batch.messages) {
      const { value } = await codec.deserialize(m.value!, 'OutboundRequest')
      byTimestamp.push(Number(m.timestamp) - value.send_at!)
      byArrival.push(now - value.send_at!)
      const second = Math.floor(Number(m.timestamp) / 1000)
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1)
      resolveOffset(m.offset)
    }
    lastArrival = now
  }
})

// Writing takes a while (about 5,000 to 10,000 records/s here): the first request is due once all are written.
const warmupMs = Math.max(15_000, Math.ceil(count / 4))
const firstDue = Date.now() + warmupMs
out(`scheduler benchmark: ${count} requests due uniformly over ${args.duration} from ${warmupMs / 1000} s on, ${args.partitions} partitions, SCHEDULER_MAX_INDEXED ${args['max-indexed']}, broker ${brokers}`)
const producer = createProducer(kafka, { lingerMs: 5, maxBatchRecords: 5000 })
await producer.start()
const numbers = Array.from({ length: 200 }, (_, i) => String(106540352240000 + i))
const template: Omit<OutboundRequest, 'request_id' | 'phone_number_id' | 'send_at'> = {
  to: '+16505551234',
  message_json: JSON.stringify({ type: 'template', template: { name: 'appointment_reminder', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Tuesday 10:30' }] }] } }),
  expires_at: null,
  metadata: { bench: 'scheduler' },
  created_at: null,
  priority: 'bulk'
}
const writeStarted = Date.now()
const samples: string[] = []
const sampling = { on: true }
const sampler = (async () => {
  while (sampling.on) {
    try {
      const list = await (await fetch(`${url}/v1/scheduled`)).json() as { indexed: number, later: number, memory: { rss_bytes: number, heap_used_bytes: number } }
      samples.push(`t+${((Date.now() - writeStarted) / 1000).toFixed(0).padStart(4)} s  released ${String(byTimestamp.length).padStart(8)}  indexed ${String(list.indexed).padStart(7)}  later ${String(list.later).padStart(8)}  rss ${mb(list.memory.rss_bytes).padStart(5)} MiB  heap ${mb(list.memory.heap_used_bytes).padStart(5)} MiB`)
      out(samples[samples.length - 1]!)
    } catch { /* the scheduler is busy: next time */ }
    await sleep(10_000)
  }
})()

const CHUNK = 5000
for (let i = 0; i < count; i += CHUNK) {
  const records = await Promise.all(Array.from({ length: Math.min(CHUNK, count - i) }, async (_, j) => {
    const n = i + j
    const r: OutboundRequest = { ...template, request_id: `bench-${n}`, phone_number_id: numbers[n % numbers.length]!, send_at: firstDue + Math.floor((n * durationMs) / count) }
    return { topic: scheduledTopic, key: r.phone_number_id, value: await codec.serialize(scheduledTopic, 'OutboundRequest', r) }
  }))
  await producer.send(records)
}
const writeMs = Date.now() - writeStarted
out(`written ${count} in ${(writeMs / 1000).toFixed(1)} s (${Math.round(count / (writeMs / 1000))}/s); first due ${((firstDue - Date.now()) / 1000).toFixed(1)} s from now`)

const deadline = firstDue + durationMs + 120_000
while (byTimestamp.length < count && Date.now() < deadline) await sleep(200)
sampling.on = false
await sampler

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))]!
const report = (name: string, xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  out(`lateness ms (${name}): p50 ${pct(s, 50)}  p99 ${pct(s, 99)}  p99.9 ${pct(s, 99.9)}  max ${s[s.length - 1]}  (early: ${s.filter((x) => x < 0).length})`)
}
out(`released ${byTimestamp.length} of ${count}${byTimestamp.length < count ? ' (TIMED OUT)' : ''}`)
if (byTimestamp.length > 0) {
  report('release timestamp − send_at', byTimestamp)
  report('arrival at a consumer − send_at', byArrival)
  const rates = [...perSecond.values()]
  const releaseSpan = (lastArrival - firstDue) / 1000
  out(`throughput: ${Math.round(byTimestamp.length / Math.max(1, releaseSpan))}/s on average over the due window (${Math.round(count / (durationMs / 1000))}/s due), peak ${Math.max(...rates)}/s in one second`)
}
const rss = samples.map((s) => Number(/rss +(\d+)/.exec(s)?.[1] ?? 0))
out(`scheduler RSS: max ${Math.max(...rss)} MiB over ${samples.length} samples`)
await producer.stop()
await consumer.stop()
stopChild()
await new Promise((resolve) => child.once('exit', resolve))
