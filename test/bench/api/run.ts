/**
 * HTTP API benchmark: POST /v1/messages from a separate load-generator process over loopback
 * keep-alive connections, first against a bare fastify endpoint (parse JSON, answer 202: the
 * baseline of this machine), then against the real API (auth, rate limit, zod validation,
 * idempotency check, Avro encoding, answered 202 only once Kafka acknowledged the record with
 * acks=all), each in its own process. Prints requests/s to durable, latency percentiles and the
 * ratio api / bare; then runs the ingress benchmark (test/bench/ingress/run.ts, same duration) as the
 * second baseline and prints api / ingress (both answer only once Kafka acknowledged); checks that the
 * requests topic holds at least one record per 202; deletes the bench's topics.
 *
 *   npx tsx --conditions=source test/bench/api/run.ts [--duration 10] [--warmup 2] [--connections 64] [--no-ingress]
 */
import { execFile, fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import type { LoadOptions, LoadResult } from './load.ts'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const execArgv = ['--conditions=source']
const { values: args } = parseArgs({ options: { duration: { type: 'string', default: '10' }, warmup: { type: 'string', default: '2' }, connections: { type: 'string', default: '64' }, 'no-ingress': { type: 'boolean', default: false } } })
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-${randomUUID().slice(0, 8)}`
const NUMBER = '106540352242922'

type Mode = 'bare' | 'api'

async function startServer (mode: Mode): Promise<{ child: ChildProcess, url: string, key: string }> {
  const env = { ...process.env, KAFKA_BROKERS: brokers, TOPIC_PREFIX: prefix, BENCH_NUMBER: NUMBER, LOG_LEVEL: 'error' }
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server under test (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  const child = fork(here('./server.ts'), [mode], { execArgv: [...execArgv, ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const [message] = await Promise.race([
    once(child, 'message') as Promise<[{ url: string, key: string }]>,
    once(child, 'exit').then(() => { throw new Error(`${mode} server exited before it was ready`) })
  ])
  return { child, ...message }
}

async function stopServer (child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit')
  child.send('stop')
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await exited
  clearTimeout(timer)
}

async function load (options: LoadOptions): Promise<LoadResult> {
  const child = fork(here('./load.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.send(options)
  const [message] = await once(child, 'message') as [{ result?: LoadResult, error?: string }]
  if (message.error) throw new Error(message.error)
  return message.result!
}

const fmt = (n: number) => n.toFixed(1)
function print (mode: string, r: LoadResult): void {
  const l = r.latencyMs
  process.stdout.write(`${mode.padEnd(6)} ${fmt(r.perSecond).padStart(9)} req/s   p50 ${fmt(l.p50)} ms  p90 ${fmt(l.p90)} ms  p99 ${fmt(l.p99)} ms  max ${fmt(l.max)} ms  ` +
    `statuses ${JSON.stringify(r.statuses)}${Object.keys(r.errors).length ? `  errors ${JSON.stringify(r.errors)}` : ''}\n`)
}

const durationS = Number(args.duration)
const warmupS = Number(args.warmup)
const connections = Number(args.connections)
process.stdout.write(`api bench: ${connections} connections, ${warmupS} s warm-up + ${durationS} s, ${cpus().length} CPUs, Node ${process.version}, brokers ${brokers}\n`)
const results: Partial<Record<Mode, LoadResult>> = {}
for (const mode of ['bare', 'api'] as const) {
  const server = await startServer(mode)
  try {
    results[mode] = await load({ url: server.url, key: server.key, number: NUMBER, durationS, warmupS, connections })
    print(mode, results[mode])
  } finally {
    await stopServer(server.child)
  }
}
process.stdout.write(`api / bare: ${(100 * results.api!.perSecond / results.bare!.perSecond).toFixed(1)} %\n`)
if (!args['no-ingress']) {
  // The ingress benchmark in this same run: its last line is its figures as JSON.
  const { stdout } = await promisify(execFile)(process.execPath, [...execArgv, here('../ingress/run.ts'), '--duration', String(durationS)],
    { env: { ...process.env, KAFKA_BROKERS: brokers }, maxBuffer: 16 * 1024 * 1024 })
  const ingress = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ingress: { perSecond: number } }
  process.stdout.write(`ingress (test/bench/ingress/run.ts, same run) ${fmt(ingress.ingress.perSecond)} webhooks/s; api / ingress: ${(100 * results.api!.perSecond / ingress.ingress.perSecond).toFixed(1)} %\n`)
}

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'api-bench' })
const admin = kafka.admin()
await admin.connect()
try {
  const topics = topicNames(prefix)
  const offsets = await admin.fetchTopicOffsets(topics.outboundRequests)
  const written = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
  const ok = written >= results.api!.accepted
  process.stdout.write(`requests topic: ${written} records for ${results.api!.accepted} answers 202 (warm-up included): ${ok ? 'ok' : 'MISSING RECORDS'}\n`)
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`))
  await admin.deleteTopics({ topics: mine })
  if (!ok) process.exitCode = 1
} finally {
  await admin.disconnect()
}
