/**
 * Media worker benchmark: N inbound images (SIZE bytes each) in the Graph API simulator, their
 * InboundMessage records written to <prefix>.inbound.messages at once, downloaded and stored by one
 * media worker process (services/media/src/main.ts, a child) into a filesystem store. Prints the
 * worker's files/s and MB/s (first inbound record written → last InboundMedia record read), the
 * p50/p99 latency from an inbound record's timestamp to its InboundMedia record's arrival, and a
 * baseline in the same run: plain fetch (undici) downloads of the same URLs from the simulator at
 * the same concurrency, without Kafka or the store.
 *
 *   npx tsx --conditions=source test/bench/media/run.ts [--count 2000] [--size 50000] [--concurrency 8] [--partitions 12]
 *
 * Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { createGraphApiSim } from '@wabridge/graph-api-sim'
import { createConsumer, createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type InboundMedia, type InboundMessage } from '@wabridge/schemas'

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '2000' },
    size: { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '8' },
    partitions: { type: 'string', default: '12' }
  }
})
const count = Number(args.count)
const size = Number(args.size)
const concurrency = Number(args.concurrency)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-media-${randomUUID().slice(0, 8)}`
const PNID = '106540352242922'
const TOKEN = 'bench-token'
const out = (line: string) => process.stdout.write(`${line}\n`)
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN
const mbps = (bytes: number, ms: number) => (bytes / 1048576 / (ms / 1000)).toFixed(1)

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

// 1. The media, in the simulator (links valid for the default 5 minutes).
const sim = createGraphApiSim({ host: '127.0.0.1', port: 0 })
await sim.start()
const media: Array<{ mediaId: string, wamid: string, sha256: string, url: string }> = []
for (let i = 0; i < count; i += 100) {
  media.push(...await Promise.all(Array.from({ length: Math.min(100, count - i) }, async (_, j) => {
    const res = await fetch(`${sim.url}/_sim/inbound/media`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phoneNumberId: PNID, from: String(15550300000 + ((i + j) % 1000)), type: 'image', mimeType: 'image/jpeg', size })
    })
    return await res.json() as { mediaId: string, wamid: string, sha256: string, url: string }
  })))
}
out(`media: ${count} images of ${size} bytes (${(count * size / 1048576).toFixed(1)} MB) in the simulator`)

// 2. Baseline: the same downloads with fetch, same concurrency, no Kafka, no store.
{
  let next = 0
  let bytes = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < media.length) {
      const m = media[next++] as { url: string }
      const res = await fetch(m.url, { headers: { authorization: `Bearer ${TOKEN}` } })
      bytes += (await res.arrayBuffer()).byteLength
    }
  }))
  const ms = performance.now() - started
  out(`baseline (fetch, ${concurrency} at once): ${(count / (ms / 1000)).toFixed(0)} files/s, ${mbps(bytes, ms)} MB/s (${ms.toFixed(0)} ms)`)
  ;(globalThis as { baselineFilesPerSecond?: number }).baselineFilesPerSecond = count / (ms / 1000)
}
const baseline = (globalThis as { baselineFilesPerSecond?: number }).baselineFilesPerSecond as number

// 3. The media worker, a child process with its own store directory.
const storeDir = await mkdtemp(join(tmpdir(), 'bench-media-'))
const port = await freePort()
const main = fileURLToPath(new URL('../../../services/media/src/main.ts', import.meta.url))
const child = spawn(process.execPath, ['--conditions=source', main], {
  env: {
    ...process.env,
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: args.partitions,
    MEDIA_PORT: String(port),
    MEDIA_STORE_URL: pathToFileURL(storeDir).href,
    MEDIA_CONCURRENCY: String(concurrency),
    GRAPH_API_BASE_URL: sim.url,
    WA_ACCESS_TOKEN: TOKEN,
    MEDIA_ALLOW_INSECURE_HTTP: 'true',
    LOG_LEVEL: 'warn'
  },
  stdio: ['ignore', 'inherit', 'inherit']
})
const stopChild = () => { if (child.exitCode === null) child.kill('SIGTERM') }
process.on('exit', stopChild)
for (let i = 0; ; i++) {
  if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break
  if (i > 1200) throw new Error('the media worker did not get ready in 60 s')
  await sleep(50)
}

const codec = createCodec()
const topics = topicNames(prefix)
const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-media' })
const latencies: number[] = []
let bytes = 0
let failed = 0
let lastArrival = 0
const sentAt = new Map<string, number>()
const consumer = createConsumer(kafka, { groupId: `${prefix}.bench`, topics: [`${prefix}.inbound.media`], fromBeginning: true, maxWaitTimeMs: 50, partitionsConsumedConcurrently: 12 })
await consumer.start({
  eachBatch: async ({ batch, resolveOffset }) => {
    const now = Date.now()
    for (const m of batch.messages) {
      const r = (await codec.deserialize(m.value as Buffer, 'InboundMedia')).value as InboundMedia
      if (r.status === 'ready') bytes += r.size ?? 0
      else failed++
      latencies.push(now - (sentAt.get(r.message_id) ?? now))
      lastArrival = now
      resolveOffset(m.offset)
    }
  }
})
await sleep(2000)

const producer = createProducer(kafka, { lingerMs: 5 })
await producer.start()
const started = Date.now()
for (let i = 0; i < media.length; i += 500) {
  const slice = media.slice(i, i + 500)
  const now = Date.now()
  const records = await Promise.all(slice.map(async (m, j) => {
    const from = String(15550300000 + ((i + j) % 1000))
    const value: InboundMessage = {
      event_id: `msg:${m.wamid}`,
      waba_id: '102290129340398',
      phone_number_id: PNID,
      display_phone_number: '15550000000',
      customer_wa_id: from,
      customer_name: null,
      message_id: m.wamid,
      type: 'image',
      meta_timestamp: now,
      received_at: now,
      context_message_id: null,
      referral_source_id: null,
      message_json: JSON.stringify({ from, id: m.wamid, timestamp: String(Math.floor(now / 1000)), type: 'image', image: { id: m.mediaId, mime_type: 'image/jpeg', sha256: Buffer.from(m.sha256, 'hex').toString('base64'), url: m.url } }),
      contact_json: null
    }
    sentAt.set(m.wamid, now)
    return { topic: topics.inboundMessages, key: `${PNID}:${from}`, value: await codec.serialize(topics.inboundMessages, 'InboundMessage', value) }
  }))
  await producer.send(records)
}
for (let i = 0; latencies.length < count; i++) {
  if (i > 6000) throw new Error(`only ${latencies.length} of ${count} records after 10 min`)
  await sleep(100)
}
const ms = lastArrival - started
const sorted = [...latencies].sort((a, b) => a - b)
const filesPerSecond = count / (ms / 1000)
out(`media worker (filesystem store, ${concurrency} downloads at once, ${args.partitions} partitions): ${filesPerSecond.toFixed(0)} files/s, ${mbps(bytes, ms)} MB/s (${ms} ms), ${failed} failed`)
out(`latency inbound record → InboundMedia record: p50 ${pct(sorted, 0.5)} ms, p99 ${pct(sorted, 0.99)} ms, max ${sorted.at(-1) ?? NaN} ms`)
out(`ratio worker / baseline: ${(filesPerSecond / baseline).toFixed(2)}`)

await consumer.stop()
await producer.stop()
stopChild()
await new Promise((resolve) => child.once('exit', resolve))
await sim.stop()
await rm(storeDir, { recursive: true, force: true })
