/**
 * Metrics benchmark: pre-produces N mixed records (statuses, inbound messages, outbound results,
 * a few webhook events; with Meta's duplicates and out-of-order statuses; C distinct customers) to a
 * fresh prefix, then in the same run:
 *
 * 1. the baseline: a plain kafkajs consumer reading the same records (no decoding, no state);
 * 2. one metrics instance as its own process (`services/metrics/src/main.ts`), until its committed
 *    offsets reach the end of every input partition (state, offsets and alerts committed in
 *    transactions): input records/s, and the process's peak and final RSS (sampled from /proc);
 * 3. the cost of a restart (the view read back, every partition restored from the changelog).
 *
 *   npx tsx --conditions=source test/bench/metrics/run.ts [--records 200000] [--customers 50000] [--partitions 12] [--dist]
 *
 * --dist runs the instance from services/metrics/dist (build it first: npm run build), as the image
 * and a production install do; without it, from the TypeScript sources through tsx.
 *
 * Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092). METRICS_* variables of the environment
 * tune the instance; BENCH_NODE_FLAGS adds node flags to its process (e.g. --max-old-space-size=256);
 * BENCH_STDOUT=1 lets its stdout through (e.g. with --trace-gc).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createKafkaClient, createProducer, topicNames, type OutgoingRecord } from '@wabridge/kafka'
import { createMetricsApp, loadConfig } from '@wabridge/metrics'
import { findFreePorts } from '@wabridge/local-kafka'
import { createCodec } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'

const { values: args } = parseArgs({ options: { records: { type: 'string' }, customers: { type: 'string' }, partitions: { type: 'string' }, dist: { type: 'boolean' } } })
const total = Number(args.records ?? 200_000)
const customers = Number(args.customers ?? 50_000)
const partitions = Number(args.partitions ?? 12)
const root = fileURLToPath(new URL('../../..', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-metrics-${randomUUID().slice(0, 8)}`
const WABA = '102290129340398'
const NUMBERS = Array.from({ length: 20 }, (_, i) => String(106540352242900 + i))
const T0 = Date.UTC(2026, 10, 24, 8)

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-metrics' })
const names = topicNames(prefix)
const codec = createCodec()

/** Record i of the mix: 45% statuses, 25% results (60 % templates), 25% inbound messages, 5% events; 2% duplicates. */
async function record (i: number): Promise<OutgoingRecord> {
  const pn = NUMBERS[i % NUMBERS.length]!
  const customer = String(16505000000 + ((i * 7919) % customers))
  const t = T0 + i * 20
  const kind = i % 20
  const dup = i % 50 === 49 ? i - 1 : i
  if (kind < 9) {
    const wamid = `wamid.bench${Math.floor(dup / 3)}`
    const status = ['read', 'sent', 'delivered'][dup % 3]!
    const priced = status !== 'delivered'
    return {
      topic: names.inboundStatuses,
      key: `${pn}:${customer}`,
      value: await codec.serialize(names.inboundStatuses, 'InboundStatus', {
        event_id: `${wamid}:${status}`,
        waba_id: WABA,
        phone_number_id: pn,
        display_phone_number: `1555${pn.slice(-7)}`,
        message_id: wamid,
        status,
        recipient_id: customer,
        meta_timestamp: t,
        received_at: t + 100,
        biz_opaque_callback_data: null,
        conversation_id: null,
        conversation_origin: null,
        pricing_category: priced ? 'utility' : null,
        pricing_type: priced ? 'regular' : null,
        pricing_model: priced ? 'PMP' : null,
        pricing_billable: priced ? true : null,
        error_codes: [],
        status_json: '{}'
      })
    }
  }
  if (kind < 14) {
    return {
      topic: names.outboundResults,
      key: pn,
      value: await codec.serialize(names.outboundResults, 'OutboundResult', {
        request_id: `req-${dup}`,
        phone_number_id: pn,
        to: customer,
        status: dup % 10 === 0 ? 'failed' : 'accepted',
        wamid: `wamid.r${dup}`,
        wa_id: customer,
        // 60 % templates (what the messaging limit counts when the window was not open), the rest texts.
        message_type: dup % 5 < 3 ? 'template' : 'text',
        window_open: dup % 5 < 3 ? [false, null, true][dup % 3]! : true,
        message_status: 'accepted',
        error: dup % 10 === 0 ? { code: 131026, subcode: null, message: 'undeliverable', details: null, class: 'permanent', fbtrace_id: null } : null,
        attempts: 1,
        requested_at: t - 30,
        first_attempt_at: t - 20,
        completed_at: t,
        metadata: {},
        business_usage_json: null,
        app_usage_json: null,
        source_topic: names.outboundRequests,
        source_partition: 0,
        source_offset: String(dup)
      })
    }
  }
  if (kind < 19) {
    const id = `wamid.in${dup}`
    return {
      topic: names.inboundMessages,
      key: `${pn}:${customer}`,
      value: await codec.serialize(names.inboundMessages, 'InboundMessage', {
        event_id: id,
        waba_id: WABA,
        phone_number_id: pn,
        display_phone_number: `1555${pn.slice(-7)}`,
        customer_wa_id: customer,
        customer_name: null,
        message_id: id,
        type: ['text', 'image', 'interactive'][dup % 3]!,
        meta_timestamp: t,
        received_at: t + 100,
        context_message_id: null,
        referral_source_id: null,
        message_json: '{}',
        contact_json: null
      })
    }
  }
  return {
    topic: names.inboundEvents,
    key: WABA,
    value: await codec.serialize(names.inboundEvents, 'InboundEvent', {
      event_id: `ev-${dup}`,
      field: 'message_template_status_update',
      waba_id: WABA,
      phone_number_id: null,
      event: dup % 40 === 19 ? 'PAUSED' : 'APPROVED',
      meta_timestamp: t,
      received_at: t + 100,
      value_json: JSON.stringify({ event: dup % 40 === 19 ? 'PAUSED' : 'APPROVED', message_template_id: dup % 7 })
    })
  }
}

async function sumOffsets (groupId: string | undefined, topics: string[]): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    if (groupId) {
      const offsets = await admin.fetchOffsets({ groupId, topics })
      return offsets.flatMap((o) => o.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
    }
    let n = 0
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) n += Number(p.high)
    return n
  } finally {
    await admin.disconnect()
  }
}

const findFreePort = async () => await findFreePorts(1)

/** Resident set size of a process, MiB (Linux /proc). */
async function rssMiB (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

/** A metrics instance as its own process, its RSS sampled every 250 ms. */
function startInstance (env: Record<string, string>): { child: ChildProcess, peak: () => number, stop: () => Promise<void> } {
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')
  // --dist: the built JavaScript, as the image and a production install run it (tsx adds ~64 MiB).
  const entry = args.dist === true ? ['services/metrics/dist/main.js'] : ['--conditions=source', 'services/metrics/src/main.ts']
  const child = spawn(process.execPath, [...flags, ...entry], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', process.env.BENCH_STDOUT ? 'inherit' : 'ignore', 'inherit'] })
  let peak = 0
  const timer = setInterval(() => { void rssMiB(child.pid!).then((m) => { peak = Math.max(peak, m) }) }, 250)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    peak: () => peak,
    async stop () {
      clearInterval(timer)
      child.kill('SIGTERM')
      await exited
    }
  }
}

async function baseline (topics: string[], end: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${prefix}-baseline` })
  await consumer.connect()
  await consumer.subscribe({ topics, fromBeginning: true })
  let read = 0
  const started = Date.now()
  let done: () => void = () => {}
  const finished = new Promise<void>((resolve) => { done = resolve })
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      read += batch.messages.length
      if (read >= end) done()
    }
  })
  await finished
  const seconds = (Date.now() - started) / 1000
  await consumer.disconnect()
  return seconds
}

async function main (): Promise<void> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    METRICS_GROUP_ID: `${prefix}-group`,
    METRICS_PORT: '0',
    PROMETHEUS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('METRICS_')).map(([k, v]) => [k, v!]))
  }
  const config = loadConfig(env)
  // A first start creates the topics; stop at once (nothing to fold yet).
  const setup = createMetricsApp(config, { logger: createLogger({ level: 'warn', name: 'bench' }) })
  await setup.start()
  await setup.stop()

  const producer = createProducer(kafka, { maxBatchRecords: 5000 })
  await producer.start()
  const produceStarted = Date.now()
  for (let i = 0; i < total; i += 5000) {
    const batch = await Promise.all(Array.from({ length: Math.min(5000, total - i) }, (_, j) => record(i + j)))
    await producer.send(batch)
  }
  await producer.stop()
  const inputs = [names.inboundMessages, names.inboundStatuses, names.inboundEvents, names.outboundResults]
  console.log(`produced ${total} records (${customers} customers) to ${partitions} partitions per topic in ${((Date.now() - produceStarted) / 1000).toFixed(1)} s`)
  const end = await sumOffsets(undefined, inputs)

  const baseSeconds = await baseline(inputs, end)
  const baseRate = end / baseSeconds
  console.log(`baseline, a plain kafkajs consumer reading the same records: ${Math.round(baseRate)} records/s (${baseSeconds.toFixed(2)} s)`)

  const started = Date.now()
  const instance = startInstance(env)
  while (await sumOffsets(config.METRICS_GROUP_ID, inputs) < end) await new Promise((resolve) => setTimeout(resolve, 200))
  const seconds = (Date.now() - started) / 1000
  const rate = total / seconds
  const finalRss = await rssMiB(instance.child.pid!)
  console.log(`metrics, one instance (own process${args.dist === true ? ' from dist' : ' through tsx'}, ${partitions * 4} input partitions, startup and group join included): ${Math.round(rate)} input records/s (${seconds.toFixed(2)} s) = ${(rate / baseRate).toFixed(3)} of the baseline`)
  console.log(`metrics RSS: peak ${Math.round(instance.peak())} MiB, after catch-up ${Math.round(finalRss)} MiB`)
  await instance.stop()
  const changelogEnd = await sumOffsets(undefined, [`${prefix}.metrics.changelog`])
  console.log(`changelog: ${changelogEnd} offsets (incl. barriers and transaction markers) = ${(changelogEnd / total).toFixed(2)} per input record`)

  const restartStarted = Date.now()
  const port = await findFreePort()
  const again = startInstance({ ...env, METRICS_PORT: String(port) })
  while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) await new Promise((resolve) => setTimeout(resolve, 100))
  console.log(`restart: ready (the view read back) in ${((Date.now() - restartStarted) / 1000).toFixed(2)} s`)
  // Give the restores (each partition's dedup and reach entries read back) time to finish.
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  console.log(`restart: RSS ${Math.round(await rssMiB(again.child.pid!))} MiB 10 s after ready (peak ${Math.round(again.peak())} MiB)`)
  await again.stop()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
