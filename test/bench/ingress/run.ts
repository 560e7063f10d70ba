/**
 * Ingress benchmark: signed, realistic single-event webhooks from a separate load-generator
 * process over loopback keep-alive connections, first against a bare fastify endpoint, then
 * against the real ingress (acks=all, idempotent producer, the broker of KAFKA_BROKERS), each in
 * its own process. Prints webhooks/s, latency percentiles and the ratio ingress / bare. A third
 * run, `no-kafka`, is the ingress with a producer that acknowledges at once: the difference to
 * `ingress` is what Kafka (kafkajs encoding, the broker round trip) costs.
 *
 *   npx tsx --conditions=source test/bench/ingress/run.ts [--duration 10] [--warmup 2] [--connections 64] [--pipelining 1]
 *
 * Checks that every webhook answered 200 is on the raw topic, then deletes the bench's topics.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import type { LoadOptions, LoadResult } from './load.ts'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const execArgv = ['--import', 'tsx', '--conditions=source']
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    pipelining: { type: 'string', default: '1' }
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

async function measure (mode: Mode): Promise<LoadResult> {
  const server = await startServer(mode)
  try {
    return await load(server.url)
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

console.log(`# ingress benchmark: ${cpus().length} CPUs, ${args.duration} s (+${args.warmup} s warm-up), ${args.connections} connections × pipelining ${args.pipelining}, broker ${brokers}, prefix ${prefix}`)
const bare = await measure('bare')
const noKafka = await measure('no-kafka')
const ingress = await measure('ingress')

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench' })
const admin = kafka.admin()
await admin.connect()
const topics = topicNames(prefix)
const raw = (await admin.fetchTopicOffsets(topics.inboundRaw)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
await admin.deleteTopics({ topics: [topics.inboundMessages, topics.inboundStatuses, topics.inboundEvents, topics.inboundRaw] }).catch((err: unknown) => {
  console.error(`# could not delete the bench topics: ${(err as Error).message}`)
})
await admin.disconnect()

console.log('')
console.log('endpoint      webhooks/s   p50 ms   p90 ms   p99 ms   max ms   answers')
console.log(`bare fastify ${fmt(bare)}`)
console.log(`no-kafka     ${fmt(noKafka)}`)
console.log(`ingress      ${fmt(ingress)}`)
console.log('')
console.log(`ratio ingress / bare: ${(ingress.perSecond / bare.perSecond * 100).toFixed(1)} %`)
console.log(`durability: ${ingress.accepted} webhooks answered 200 (warm-up included), ${raw} raw records in Kafka${raw >= ingress.accepted ? '' : ' — RECORDS MISSING'}`)
console.log('target: ≥ 10,000 webhooks/s, p99 ≤ 50 ms')
console.log(JSON.stringify({ bare, noKafka, ingress }))
