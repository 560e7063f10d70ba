/**
 * Ingress benchmark: signed, realistic single-event webhooks from a separate load-generator
 * process over loopback keep-alive connections, first against a bare fastify endpoint, then
 * against the real ingress (acks=all, idempotent producer, the broker of KAFKA_BROKERS), each in
 * its own process. Prints webhooks/s, latency percentiles and each run's ratio to bare. A third
 * run, `no-kafka`, is the ingress with a producer that acknowledges at once: the difference to
 * `ingress` is what Kafka (kafkajs encoding, the broker round trip) costs.
 *
 *   node --conditions=source test/bench/ingress/run.ts [--duration 10] [--warmup 2] [--connections 64] [--pipelining 1]
 *     [--modes bare,no-kafka,ingress,consumer] [--rounds 1] [--rate 0]
 *   (further modes: minimal — issue 18's reference route: verify, parse, one Avro record, nothing
 *   else; steps — five runs of the ingress's own request path on that bare fastify, up to verify,
 *   parse, split, raw and publish: where between the reference route and no-kafka the rate goes;
 *   kafkajs-encoder — kafkajs' own Produce encoder; platformatic / confluent —
 *   @platformatic/kafka or Confluent's client under @wabridge/kafka's producer, with their ratio to
 *   `ingress`: the Kafka-client decision)
 *
 * Prints each run's ratio to `bare` of the same run (only ratios compare across machines), the
 * goals of issue 18 beside them. `--modes` runs a subset (bare always runs: it is the baseline);
 * with BENCH_CPU_PROF=<dir>, e.g. `--modes no-kafka` profiles only the ingress without Kafka.
 * BENCH_TELEMETRY=prometheus runs every server under test with the services' telemetry as a part
 * runs it (the preload @wabridge/telemetry/register, a Prometheus endpoint; OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * and the other OTEL_* variables apply); unset, none.
 * `--rounds N` repeats the whole sequence N times and reports the median of each ratio (on a
 * shared machine other processes move single figures a lot); each round starts the runs after
 * `bare` one further down their list, so that none is always last (the broker slows as a round
 * fills its topics). Each run also reports the server's
 * CPU time per webhook (user + system, from the end of the warm-up to the last answer, per answer
 * in that time), which another process's load moves less.
 *
 * A fourth run, `ingress + consumer`, repeats `ingress` with a consumer group reading the
 * messages and statuses topics in this process, and reports end-to-end latency: from the moment
 * ingress received a webhook (the records' received_at) to the moment the consumer has its record.
 *
 * `--rate R` (webhooks/s) replaces the closed load (each connection sends its next webhook when the
 * last is answered, so the rate is the server's ceiling and latency is connections / rate) with an
 * open one: webhooks go out at R per second whatever the server does, as Meta sends them, and
 * latency counts from when each was due (load.ts). Every endpoint then serves the same rate, so
 * its CPU per webhook and its latency (end to end with `consumer`) are what compare.
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
const execArgv = ['--conditions=source']
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    pipelining: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'bare,no-kafka,ingress,consumer' },
    rounds: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' }
  }
})
const SECRET = 'bench-app-secret'
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-${randomUUID().slice(0, 8)}`

/**
 * What runs under test: `kafkajs-encoder` is the ingress with kafkajs' own Produce encoder
 * (KAFKA_PRODUCE_ENCODER=kafkajs) instead of wabridge's; `platformatic` and `confluent` are the
 * ingress with @platformatic/kafka or Confluent's client under @wabridge/kafka's producer (issue 18's
 * client comparison; `confluent` needs BENCH_CONFLUENT_MODULE, see confluent-as-kafkajs.ts).
 */
type Step = 'verify' | 'parse' | 'split' | 'raw' | 'publish'
const STEPS: readonly Step[] = ['verify', 'parse', 'split', 'raw', 'publish']
type Mode = 'bare' | 'minimal' | `steps-${Step}` | 'no-kafka' | 'ingress' | 'kafkajs-encoder' | 'platformatic' | 'confluent'
const serverMode = (mode: Mode) => mode === 'kafkajs-encoder' ? 'ingress' : mode === 'platformatic' || mode === 'confluent' ? `ingress-${mode}` : mode

async function startServer (mode: Mode): Promise<{ child: ChildProcess, url: string }> {
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    WA_APP_SECRETS: SECRET,
    WA_VERIFY_TOKEN: 'bench',
    LOG_LEVEL: 'warn',
    ...(mode === 'kafkajs-encoder' && { KAFKA_PRODUCE_ENCODER: 'kafkajs' }),
    ...(process.env.BENCH_TELEMETRY === 'prometheus' && { PROMETHEUS_PORT: '0' })
  }
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server under test (open it in Chrome DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []
  // BENCH_SERVER_NODE_FLAGS adds node flags to the server under test (e.g. `--perf-basic-prof` for perf record).
  profile.push(...(process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== ''))
  // BENCH_TELEMETRY=prometheus: every server under test (bare included) runs the services' telemetry as a part does,
  // started by its preload before fastify loads, with a Prometheus endpoint (OTEL_* of this environment apply).
  if (process.env.BENCH_TELEMETRY === 'prometheus') profile.push('--import=@wabridge/telemetry/register')
  else if (process.env.BENCH_TELEMETRY !== undefined) throw new Error(`BENCH_TELEMETRY must be prometheus, not ${process.env.BENCH_TELEMETRY}`)
  const child = fork(here('./server.ts'), [serverMode(mode)], { execArgv: [...execArgv, ...profile], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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

/** Runs the load generator against `url`; `onMeasuring` is called when its warm-up ends. */
async function load (url: string, onMeasuring: () => void): Promise<LoadResult> {
  const options: LoadOptions = {
    url, secret: SECRET, durationS: Number(args.duration), warmupS: Number(args.warmup), connections: Number(args.connections), pipelining: Number(args.pipelining), rate: Number(args.rate)
  }
  const child = fork(here('./load.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  child.send(options)
  const timer = setTimeout(() => child.kill('SIGKILL'), (options.durationS + options.warmupS + 60) * 1000)
  const message = await new Promise<{ result?: LoadResult, error?: string }>((resolve) => {
    child.on('message', (m: { measuring?: true, result?: LoadResult, error?: string }) => { if (m.measuring) onMeasuring(); else resolve(m) })
  })
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

type Measured = LoadResult & { cpuUsPerWebhook: number, systemUsPerWebhook: number, loopDelayMs: ServerCpu['loopDelayMs'], endToEnd?: EndToEnd }

interface ServerCpu { cpuUs: number, systemUs: number, loopDelayMs: { p99: number, max: number } }

async function cpuOf (child: ChildProcess): Promise<ServerCpu> {
  const reply = once(child, 'message') as Promise<[ServerCpu]>
  child.send('cpu')
  return (await reply)[0]
}

async function measure (mode: Mode, withConsumer = false): Promise<Measured> {
  const server = await startServer(mode)
  try {
    const e2e = withConsumer ? await startEndToEndConsumer() : undefined
    const measureFrom = Date.now() + Number(args.warmup) * 1000
    // The server's CPU from the end of the warm-up (JIT compilation and first connections left out:
    // at a light open load they would be a large share) to the last answer, per answer in that time.
    let cpuAtWarmupEnd: Promise<ServerCpu> | undefined
    const result = await load(server.url, () => { cpuAtWarmupEnd = cpuOf(server.child) })
    const cpuAfter = await cpuOf(server.child)
    if (!cpuAtWarmupEnd) throw new Error(`${mode}: the load generator never ended its warm-up`)
    const cpuBefore = await cpuAtWarmupEnd
    const per = (us: number) => us / Math.max(1, result.answeredAfterWarmup)
    const cpuUsPerWebhook = per(cpuAfter.cpuUs - cpuBefore.cpuUs)
    const systemUsPerWebhook = per(cpuAfter.systemUs - cpuBefore.systemUs)
    return { ...result, cpuUsPerWebhook, systemUsPerWebhook, loopDelayMs: cpuAfter.loopDelayMs, ...(e2e && { endToEnd: await e2e.finish(measureFrom) }) }
  } finally {
    const code = await stopServer(server.child)
    if (code !== 0) console.error(`# ${mode} server exited with ${code}`)
  }
}

interface Round { bare: Measured, minimal?: Measured, steps?: Partial<Record<Step, Measured>>, noKafka?: Measured, ingress?: Measured, kafkajsEncoder?: Measured, platformatic?: Measured, confluent?: Measured, withConsumer?: Measured }

const modes = new Set(args.modes.split(','))
const load1 = () => loadavg().map((l) => l.toFixed(2)).join(' ')
const openLoad = Number(args.rate) > 0 ? `, open load of ${args.rate} webhooks/s (ratios to bare are then about 1: compare CPU per webhook and latency)` : ''
console.log(`# ingress benchmark: ${cpus().length} CPUs, ${args.duration} s (+${args.warmup} s warm-up), ${args.connections} connections × pipelining ${args.pipelining}${openLoad}, ${args.rounds} round(s), broker ${brokers}, prefix ${prefix}`)
const rounds: Round[] = []
/** The runs after `bare`: the key of their result, their --modes name; each round starts one further down the list, so no run always comes last. */
const runs: Array<[keyof Round | Step, string, () => Promise<Measured>]> = [
  ['minimal', 'minimal', () => measure('minimal')],
  ['noKafka', 'no-kafka', () => measure('no-kafka')],
  ['ingress', 'ingress', () => measure('ingress')],
  ['kafkajsEncoder', 'kafkajs-encoder', () => measure('kafkajs-encoder')],
  ['platformatic', 'platformatic', () => measure('platformatic')],
  ['confluent', 'confluent', () => measure('confluent')],
  ['withConsumer', 'consumer', () => measure('ingress', true)],
  // `steps`: the ladder from the reference route to the ingress's whole request path, one step more per run.
  ...STEPS.map((step): [Step, string, () => Promise<Measured>] => [step, 'steps', () => measure(`steps-${step}`)])
]
const chosen = runs.filter(([, mode]) => modes.has(mode))
for (let i = 0; i < Number(args.rounds); i++) {
  console.log(`# round ${i + 1}, load average ${load1()}`)
  const round: Round = { bare: await measure('bare') }
  for (let j = 0; j < chosen.length; j++) {
    const [key, , run] = chosen[(i + j) % chosen.length]!
    const measured = await run()
    if ((STEPS as readonly string[]).includes(key)) (round.steps ??= {})[key as Step] = measured
    else round[key as Exclude<keyof Round, 'bare' | 'steps'>] = measured
  }
  rounds.push(round)
}

let raw = 0
const answered = rounds.reduce((sum, r) => sum + (r.ingress?.accepted ?? 0) + (r.kafkajsEncoder?.accepted ?? 0) + (r.platformatic?.accepted ?? 0) + (r.confluent?.accepted ?? 0) + (r.withConsumer?.accepted ?? 0), 0)
if (answered > 0) {
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

const fmt = (r: Measured, bare: Measured) => [
  Math.round(r.perSecond).toLocaleString('en-US').padStart(9), (r.perSecond / bare.perSecond).toFixed(3).padStart(7),
  r.latencyMs.p50.toFixed(2).padStart(8), r.latencyMs.p90.toFixed(2).padStart(8), r.latencyMs.p99.toFixed(2).padStart(8), r.latencyMs.max.toFixed(1).padStart(8),
  `${r.cpuUsPerWebhook.toFixed(1).padStart(8)} (${r.systemUsPerWebhook.toFixed(1)} sys)`,
  `${r.loopDelayMs.p99.toFixed(1).padStart(6)} /${r.loopDelayMs.max.toFixed(0).padStart(5)}`,
  `  ${JSON.stringify(r.statuses)} ${Object.keys(r.errors).length ? JSON.stringify(r.errors) : ''}`
].join(' ')
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

console.log('')
console.log(`${'round endpoint'.padEnd(20)} webhooks/s  / bare   p50 ms   p90 ms   p99 ms   max ms  CPU µs/webhook     loop delay p99/max ms  answers`)
rounds.forEach((r, i) => {
  const row = (name: string, m: Measured | undefined) => { if (m) console.log(`${String(i + 1).padStart(5)} ${name.padEnd(18)} ${fmt(m, r.bare)}`) }
  row('bare fastify', r.bare)
  row('minimal route', r.minimal)
  for (const step of STEPS) row(`steps to ${step}`, r.steps?.[step])
  row('no-kafka', r.noKafka)
  row('ingress', r.ingress)
  row('kafkajs encoder', r.kafkajsEncoder)
  row('platformatic', r.platformatic)
  row('confluent', r.confluent)
  row('ingress + consumer', r.withConsumer)
  const e2e = r.withConsumer?.endToEnd
  if (e2e) console.log(`      end to end (received by ingress → read by a consumer), ${e2e.records.toLocaleString('en-US')} records: p50 ${e2e.p50.toFixed(1)} ms, p90 ${e2e.p90.toFixed(1)} ms, p99 ${e2e.p99.toFixed(1)} ms, max ${e2e.max.toFixed(1)} ms`)
})
console.log('')
// Under an open load every endpoint serves the same rate: a ratio of rates says nothing, so none is printed.
const ratios = (pick: (r: Round) => Measured | undefined) => openLoad ? [] : rounds.flatMap((r) => { const m = pick(r); return m ? [m.perSecond / r.bare.perSecond] : [] })
const goal = (name: string, values: number[], ok: (v: number) => boolean, text: string, digits = 3) => {
  if (values.length === 0) return
  const value = median(values)
  console.log(`${name.padEnd(26)} ${value.toFixed(digits).padStart(7)}   goal ${text}${ok(value) ? '' : '   NOT MET'}${values.length > 1 ? `   (rounds: ${values.map((v) => v.toFixed(digits)).join(', ')})` : ''}`)
}
console.log(rounds.length > 1 ? `medians over ${rounds.length} rounds:` : 'ratios:')
goal('minimal route / bare', ratios((r) => r.minimal), () => true, '(issue 18: 0.82 on its machine)')
for (const step of STEPS) goal(`steps to ${step} / bare`, ratios((r) => r.steps?.[step]), () => true, '(the ingress\'s path on a bare fastify, up to this step)')
goal('no-kafka / minimal', openLoad ? [] : rounds.flatMap((r) => r.noKafka && r.minimal ? [r.noKafka.perSecond / r.minimal.perSecond] : []), () => true, '(what the ingress keeps beyond the reference route)')
goal('no-kafka / bare', ratios((r) => r.noKafka), (v) => v >= 0.75, '≥ 0.75')
goal('ingress / bare', ratios((r) => r.ingress), (v) => v >= 0.45, '≥ 0.45')
goal('kafkajs encoder / bare', ratios((r) => r.kafkajsEncoder), () => true, '(kafkajs\' own Produce encoder)')
goal('platformatic / bare', ratios((r) => r.platformatic), () => true, '(@platformatic/kafka under the producer)')
// The client decision (issue 18): a candidate replaces kafkajs only if ≥ 20 % faster on ingress, in the same round.
const toIngress = (pick: (r: Round) => Measured | undefined) => openLoad ? [] : rounds.flatMap((r) => { const m = pick(r); return m && r.ingress ? [m.perSecond / r.ingress.perSecond] : [] })
goal('confluent / bare', ratios((r) => r.confluent), () => true, '(Confluent\'s client under the producer)')
goal('platformatic / ingress', toIngress((r) => r.platformatic), () => true, '(switch clients only if ≥ 1.20)')
goal('confluent / ingress', toIngress((r) => r.confluent), () => true, '(switch clients only if ≥ 1.20)')
goal('ingress+consumer / bare', ratios((r) => r.withConsumer), () => true, '(none)')
goal('end to end p50 ms', rounds.flatMap((r) => r.withConsumer?.endToEnd ? [r.withConsumer.endToEnd.p50] : []), (v) => v <= 5, '≤ 5', 1)
goal('end to end p99 ms', rounds.flatMap((r) => r.withConsumer?.endToEnd ? [r.withConsumer.endToEnd.p99] : []), (v) => v <= 50, '≤ 50', 1)
const cpu = (pick: (r: Round) => Measured | undefined) => rounds.flatMap((r) => { const m = pick(r); return m ? [m.cpuUsPerWebhook] : [] })
goal('CPU µs/webhook bare', cpu((r) => r.bare), () => true, '(server process)', 1)
goal('CPU µs/webhook minimal', cpu((r) => r.minimal), () => true, '(server process)', 1)
for (const step of STEPS) goal(`CPU µs/webhook to ${step}`, cpu((r) => r.steps?.[step]), () => true, '(server process)', 1)
goal('CPU µs/webhook no-kafka', cpu((r) => r.noKafka), () => true, '(server process)', 1)
goal('CPU µs/webhook ingress', cpu((r) => r.ingress), () => true, '(server process)', 1)
goal('CPU µs/webhook kafkajs enc.', cpu((r) => r.kafkajsEncoder), () => true, '(server process)', 1)
goal('CPU µs/webhook platformatic', cpu((r) => r.platformatic), () => true, '(server process)', 1)
goal('CPU µs/webhook confluent', cpu((r) => r.confluent), () => true, '(server process, librdkafka threads included)', 1)
if (answered > 0) console.log(`durability: ${answered} webhooks answered 200 (warm-up included), ${raw} raw records in Kafka${raw >= answered ? '' : ' — RECORDS MISSING'}`)
console.log(`load average after the run: ${load1()}`)
console.log(JSON.stringify(rounds))
