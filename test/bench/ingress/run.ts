/**
 * Ingress benchmark: signed, realistic single-event webhooks from a separate load-generator
 * process over loopback keep-alive connections, first against a bare fastify endpoint, then
 * against the real ingress (acks=all, idempotent producer, the broker of KAFKA_BROKERS), each in
 * its own process. Prints webhooks/s, latency percentiles and each run's ratio to bare. A third
 * run, `no-kafka`, is the ingress with a producer that acknowledges at once: the difference to
 * `ingress` is what Kafka (kafkajs encoding, the broker round trip) costs.
 *
 *   npx tsx --conditions=source test/bench/ingress/run.ts [--duration 10] [--warmup 2] [--connections 64] [--pipelining 1]
 *     [--modes bare,no-kafka,ingress,consumer]
 *
 * Prints each run's ratio to `bare` of the same run (only ratios compare across machines), the
 * goals of issue 18 beside them. `--modes` runs a subset (bare always runs: it is the baseline);
 * with BENCH_CPU_PROF=<dir>, e.g. `--modes no-kafka` profiles only the ingress without Kafka.
 *
 * A fourth run, `ingress + consumer`, repeats `ingress` with a consumer group reading the
 * messages and statuses topics in this process, and reports end-to-end latency: from the moment
 * ingress received a webhook (the records' received_at) to the moment the consumer has its record.
 *
 * Checks that every webhook answered 200 is on the raw topic, then deletes the bench's topics.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { Consumer } from 'kafkajs'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import type { LoadOptions, LoadResult } from './load.ts'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const execArgv = ['--import', 'tsx', '--conditions=source']
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    pipelining: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'bare,no-kafka,ingress,consumer' }
  }
})
const SECRET = 'bench-app-secret'
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-${randomUUID().slice(0, 8)}`

type Mode = 'bare' | 'no-kafka' | 'ingress'

async function startServer (mode: Mode): Promise<{ child: ChildProcess, url: string }> {
  const env = { ...process.env, KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, WA_APP_SECRETS: SECRET, WA_VERIFY_TOKEN: 'bench', LOG_LEVEL: 'warn' }
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server under test (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const child = fork(here('./server.ts'), [mode], { execArgv: [...execArgv, ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [message] = await Promise.race([
    once(child, 'message') as Promise<[{ url: string }]>,
    once(child, 'exit').then(() => { throw new Error(`${mode} server exited before it was ready`) })
  ])
  return { child, url: message.url }
}

async function stopServer (child: ChildProcess): Promise<number | null> {
  const exited = once(child, 'exit') as Promise<[number | null]>
  child.send('stop')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  const [code] = await exited
  clearTimeout(timer)
  return code
}

async function load (url: string): Promise<LoadResult> {
  const options: LoadOptions = {
    url, secret: SECRET, durationS: Number(args.duration), warmupS: Number(args.warmup), connections: Number(args.connections), pipelining: Number(args.pipelining)
  }
  const child = fork(here('./load.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.send(options)
  const timer = setTimeout(() => child.kill('SIGKILL'), (options.durationS + options.warmupS + 60) * 1000)
  const [message] = await once(child, 'message') as [{ result?: LoadResult, error?: string }]
  clearTimeout(timer)
  await once(child, 'exit')
  if (!message.result) throw new Error(`load generator failed: ${message.error}`)
  return message.result
}

interface EndToEnd { records: number, p50: number, p90: number, p99: number, max: number }

/**
 * A consumer group on the messages and statuses topics that notes, per record, how long after
 * ingress received its webhook the consumer had it. Joins before the load starts; records received
 * during the warm-up are left out.
 */
async function startEndToEndConsumer (): Promise<{ finish: (measureFrom: number) => Promise<EndToEnd> }> {
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-e2e' })
  const consumer: Consumer = kafka.consumer({ groupId: `${prefix}.e2e`, maxWaitTimeInMs: 50 })
  const codec = createCodec()
  const samples: Array<[receivedAt: number, latency: number]> = []
  let lastRecordAt = Date.now()
  const topics = topicNames(prefix)
  await consumer.connect()
  await consumer.subscribe({ topics: [topics.inboundMessages, topics.inboundStatuses], fromBeginning: false })
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now()
      lastRecordAt = now
      for (const message of batch.messages) {
        if (!message.value) continue
        const { value } = codec.decode(message.value) as { value: { received_at: number } }
        samples.push([value.received_at, now - value.received_at])
      }
    }
  })
  await joined
  return {
    async finish (measureFrom) {
      // Caught up once nothing arrived for a second.
      while (Date.now() - lastRecordAt < 1000) await new Promise((resolve) => setTimeout(resolve, 200))
      await consumer.disconnect()
      const sorted = Float64Array.from(samples.filter(([at]) => at >= measureFrom).map(([, ms]) => ms)).sort()
      const at = (q: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
      return { records: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN }
    }
  }
}

async function measure (mode: Mode, withConsumer = false): Promise<LoadResult & { endToEnd?: EndToEnd }> {
  const server = await startServer(mode)
  try {
    if (!withConsumer) return await load(server.url)
    const e2e = await startEndToEndConsumer()
    const measureFrom = Date.now() + Number(args.warmup) * 1000
    const result = await load(server.url)
    return { ...result, endToEnd: await e2e.finish(measureFrom) }
  } finally {
    const code = await stopServer(server.child)
    if (code !== 0) console.error(`# ${mode} server exited with ${code}`)
  }
}

const fmt = (r: LoadResult) => [
  Math.round(r.perSecond).toLocaleString('en-US').padStart(9),
  r.latencyMs.p50.toFixed(2).padStart(8), r.latencyMs.p90.toFixed(2).padStart(8), r.latencyMs.p99.toFixed(2).padStart(8), r.latencyMs.max.toFixed(1).padStart(8),
  `  ${JSON.stringify(r.statuses)} ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : ''}`
].join(' ')

const modes = new Set(args.modes.split(','))
console.log(`# ingress benchmark: ${cpus().length} CPUs, ${args.duration} s (+${args.warmup} s warm-up), ${args.connections} connections × pipelining ${args.pipelining}, broker ${brokers}, prefix ${prefix}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
const bare = await measure('bare')
const noKafka = modes.has('no-kafka') ? await measure('no-kafka') : undefined
const ingress = modes.has('ingress') ? await measure('ingress') : undefined
const withConsumer = modes.has('consumer') ? await measure('ingress', true) : undefined

let raw = 0
if (ingress || withConsumer) {
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench' })
  const admin = kafka.admin()
  await admin.connect()
  const topics = topicNames(prefix)
  raw = (await admin.fetchTopicOffsets(topics.inboundRaw)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
  await admin.deleteGroups([`${prefix}.e2e`]).catch(() => {})
  await admin.deleteTopics({ topics: [topics.inboundMessages, topics.inboundStatuses, topics.inboundEvents, topics.inboundRaw] }).catch((err: unknown) => {
    console.error(`# could not delete the bench topics: ${(err as Error).message}`)
  })
  await admin.disconnect()
}

const ratio = (r: LoadResult) => (r.perSecond / bare.perSecond).toFixed(3).padStart(6)
console.log('')
console.log(`${'endpoint'.padEnd(18)}webhooks/s  / bare   p50 ms   p90 ms   p99 ms   max ms   answers`)
const row = (name: string, r: LoadResult | undefined) => { if (r) console.log(`${name.padEnd(18)} ${fmt(r).replace(/^(\s*\S+)/, `$1 ${ratio(r)}`)}`) }
row('bare fastify', bare)
row('no-kafka', noKafka)
row('ingress', ingress)
row('ingress + consumer', withConsumer)
console.log('')
const e2e = withConsumer?.endToEnd
if (e2e) console.log(`end to end (received by ingress → read by a consumer), ${e2e.records.toLocaleString('en-US')} records: p50 ${e2e.p50.toFixed(1)} ms, p90 ${e2e.p90.toFixed(1)} ms, p99 ${e2e.p99.toFixed(1)} ms, max ${e2e.max.toFixed(1)} ms`)
const goal = (name: string, value: number | undefined, ok: (v: number) => boolean, text: string, digits = 3) => {
  if (value !== undefined) console.log(`${name.padEnd(26)} ${value.toFixed(digits).padStart(7)}   goal ${text}${ok(value) ? '' : '   NOT MET'}`)
}
goal('no-kafka / bare', noKafka && noKafka.perSecond / bare.perSecond, (v) => v >= 0.75, '≥ 0.75')
goal('ingress / bare', ingress && ingress.perSecond / bare.perSecond, (v) => v >= 0.45, '≥ 0.45')
goal('ingress+consumer / bare', withConsumer && withConsumer.perSecond / bare.perSecond, () => true, '(none)')
goal('end to end p50 ms', e2e?.p50, (v) => v <= 5, '≤ 5', 1)
goal('end to end p99 ms', e2e?.p99, (v) => v <= 50, '≤ 50', 1)
if (ingress || withConsumer) {
  const answered = (ingress?.accepted ?? 0) + (withConsumer?.accepted ?? 0)
  console.log(`durability: ${answered} webhooks answered 200 (warm-up included), ${raw} raw records in Kafka${raw >= answered ? '' : ' — RECORDS MISSING'}`)
}
console.log(`load average after the run: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
console.log(JSON.stringify({ bare, noKafka, ingress, withConsumer }))
