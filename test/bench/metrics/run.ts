/**
 * Metrics benchmark: pre-produces N mixed records (statuses, inbound messages, outbound results,
 * a few webhook events; with Meta's duplicates and out-of-order statuses) to a fresh prefix, starts
 * one metrics instance and measures how many input records per second it aggregates until its
 * committed offsets reach the end of every input partition (state, offsets and alerts committed
 * in transactions), then the cost of a restart (reading the changelog back).
 *
 *   npx tsx --conditions=source test/bench/metrics/run.ts [records=200000] [partitions=12]
 *
 * Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { randomUUID } from 'node:crypto'
import { createKafkaClient, createProducer, topicNames, type OutgoingRecord } from '@wabridge/kafka'
import { createMetricsApp, loadConfig, type MetricsApp } from '@wabridge/metrics'
import { createCodec } from '@wabridge/schemas'
import { createLogger, startTelemetry } from '@wabridge/telemetry'

const total = Number(process.argv[2] ?? 200_000)
const partitions = Number(process.argv[3] ?? 12)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-metrics-${randomUUID().slice(0, 8)}`
const WABA = '102290129340398'
const NUMBERS = Array.from({ length: 20 }, (_, i) => String(106540352242900 + i))
const T0 = Date.UTC(2026, 10, 24, 8)

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-metrics' })
const names = topicNames(prefix)
const codec = createCodec()

/** Record i of the mix: 45% statuses, 25% results, 25% inbound messages, 5% events; 2% duplicates. */
async function record (i: number): Promise<OutgoingRecord> {
  const pn = NUMBERS[i % NUMBERS.length]!
  const customer = `1650555${String(i % 50_000).padStart(5, '0')}`
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

async function scrape (url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text()
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0)
}

async function main (): Promise<void> {
  const telemetry = await startTelemetry({ serviceName: 'bench-metrics', prometheusPort: 0 })
  const env = {
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    METRICS_GROUP_ID: `${prefix}-group`,
    METRICS_PORT: '0',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // METRICS_* variables of the environment tune the instance (e.g. METRICS_FLUSH_INTERVAL_MS).
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('METRICS_')))
  }
  const config = loadConfig(env)
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'bench' })
  // A first start creates the topics; stop at once (nothing to fold yet).
  const setup = createMetricsApp(config, { logger })
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
  console.log(`produced ${total} records to ${partitions} partitions per topic in ${((Date.now() - produceStarted) / 1000).toFixed(1)} s`)

  const end = await sumOffsets(undefined, inputs)
  const run = async (label: string): Promise<{ app: MetricsApp, seconds: number }> => {
    const started = Date.now()
    const app = createMetricsApp(config, { logger })
    await app.start()
    while (await sumOffsets(config.METRICS_GROUP_ID, inputs) < end) await new Promise((resolve) => setTimeout(resolve, 100))
    const seconds = (Date.now() - started) / 1000
    console.log(`${label}: caught up in ${seconds.toFixed(2)} s`)
    return { app, seconds }
  }
  const first = await run('aggregate from scratch')
  const url = telemetry.prometheusUrl!
  const flushes = await scrape(url, 'wabridge_changelog_flushes_total')
  const flushSeconds = await scrape(url, 'wabridge_changelog_flush_duration_sum')
  const changelogRecords = await scrape(url, 'wabridge_changelog_records_total')
  global.gc?.()
  console.log(`memory after catch-up: heap ${Math.round(process.memoryUsage().heapUsed / 1048576)} MiB, rss ${Math.round(process.memoryUsage().rss / 1048576)} MiB (whole benchmark process)`)
  await first.app.stop()
  const changelogEnd = await sumOffsets(undefined, [`${prefix}.metrics.changelog`])
  console.log(`throughput: ${Math.round(total / first.seconds)} input records/s (one instance, ${partitions * 4} input partitions, startup and group join included)`)
  console.log(`changelog flushes: ${flushes} transactions, ${Math.round(changelogRecords / Math.max(1, flushes))} records (changelog and alerts) and ${(flushSeconds * 1000 / Math.max(1, flushes)).toFixed(0)} ms each (up to one per partition in flight at once); ${changelogEnd} changelog offsets (incl. barriers and transaction markers) = ${(changelogEnd / total).toFixed(2)} per input record`)

  const restartStarted = Date.now()
  const again = createMetricsApp(config, { logger })
  await again.start()
  while (!(await fetch(`${again.url}/readyz`)).ok) await new Promise((resolve) => setTimeout(resolve, 50))
  console.log(`restart: changelog read back and ready in ${((Date.now() - restartStarted) / 1000).toFixed(2)} s`)
  await again.stop()
  await telemetry.shutdown()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
