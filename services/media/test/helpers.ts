import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import type { Consumer, Producer } from 'kafkajs'
import { createGraphApiSim, type GraphApiSim, type GraphApiSimOptions } from '@wabridge/graph-api-sim'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createCodec, type InboundMedia, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createMediaApp, loadConfig, mediaTopicName, type MediaApp, type MediaAppDeps } from '../src/index.ts'

export const PNID = '106540352242922'
export const codec = createCodec()

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`

export async function tempDir (t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export async function waitFor<T> (what: string | (() => string), check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`)
    await sleep(50)
  }
}

/** A Kafka client for the test's own producers and consumers. */
export const testKafka = () => createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: 'media-test' })

/**
 * The inbound side without the ingress: an HTTP endpoint the sim's webhooks go to, turning each
 * message of a `messages` change into an InboundMessage record on <prefix>.inbound.messages (as the
 * ingress does, minus the signature check).
 */
export async function startWebhookBridge (t: TestContext, prefix: string): Promise<{ url: string, producer: Producer, publish: (m: InboundMessage) => Promise<void> }> {
  const producer = testKafka().producer({ idempotent: true })
  await producer.connect()
  t.after(() => producer.disconnect())
  const topic = topicNames(prefix).inboundMessages
  const publish = async (m: InboundMessage): Promise<void> => {
    await producer.send({ topic, messages: [{ key: `${m.phone_number_id}:${m.customer_wa_id}`, value: await codec.serialize(topic, 'InboundMessage', m) }] })
  }
  // The sim retries a webhook POST that was slow to answer: each message is written once (a retry
  // waits for the first POST's write, and writes only if that failed), as ingress consumers dedup by event id.
  const written = new Map<string, Promise<boolean>>()
  const writeOnce = async (id: string, m: InboundMessage): Promise<void> => {
    const earlier = written.get(id)
    if (earlier !== undefined && await earlier) return
    const attempt = (async () => {
      await producer.send({ topic, messages: [{ key: `${m.phone_number_id}:${m.customer_wa_id}`, value: await codec.serialize(topic, 'InboundMessage', m) }] })
      return true
    })()
    written.set(id, attempt.catch(() => false))
    await attempt
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { entry: Array<{ id: string, changes: Array<{ value: Record<string, any> }> }> }
        const writes: Array<Promise<void>> = []
        for (const entry of body.entry) {
          for (const change of entry.changes) {
            const v = change.value
            for (const m of (v.messages ?? []) as Array<Record<string, any>>) {
              writes.push(writeOnce(String(m.id), inboundMessage(m, { wabaId: entry.id, phoneNumberId: v.metadata.phone_number_id, display: v.metadata.display_phone_number })))
            }
          }
        }
        await Promise.all(writes)
        res.writeHead(200).end()
      })().catch((err: unknown) => { res.writeHead(500).end(String(err)) })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, producer, publish }
}

/** The InboundMessage of one webhook message object. */
export function inboundMessage (m: Record<string, any>, where: { wabaId: string, phoneNumberId: string, display?: string }): InboundMessage {
  return {
    event_id: `msg:${String(m.id)}`,
    waba_id: where.wabaId,
    phone_number_id: where.phoneNumberId,
    display_phone_number: where.display ?? '15550000000',
    customer_wa_id: String(m.from),
    customer_name: null,
    message_id: String(m.id),
    type: String(m.type),
    meta_timestamp: Number(m.timestamp ?? 0) * 1000,
    received_at: Date.now(),
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify(m),
    contact_json: null
  }
}

/** A simulator whose webhooks go to a new bridge into Kafka. */
export async function startSimWithBridge (t: TestContext, prefix: string, options: GraphApiSimOptions = {}): Promise<{ sim: GraphApiSim, publish: (m: InboundMessage) => Promise<void> }> {
  const bridge = await startWebhookBridge(t, prefix)
  const sim = createGraphApiSim({ host: '127.0.0.1', port: 0, webhookUrl: bridge.url, appSecret: 'test-secret', webhook: { batchMs: 5, maxBatch: 100, concurrency: 4 }, ...options })
  await sim.start()
  t.after(() => sim.stop())
  return { sim, publish: bridge.publish }
}

export interface SentMedia { mediaId: string, wamid: string, sha256: string, size: number }

/** A customer sends media through the sim (POST /_sim/inbound/media). */
export async function sendMedia (sim: GraphApiSim, body: Record<string, unknown>): Promise<SentMedia> {
  const res = await fetch(`${sim.url}/_sim/inbound/media`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: PNID, from: '15550001234', type: 'image', mimeType: 'image/jpeg', size: 2048, ...body }) })
  if (res.status !== 200) throw new Error(`sim answered ${res.status}: ${await res.text()}`)
  return await res.json() as SentMedia
}

/** The env of one media worker test: its own topics and group, a temp store, the sim as Graph API. */
export function mediaEnv (prefix: string, simUrl: string, storeDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    MEDIA_PORT: '0',
    MEDIA_STORE_URL: pathToFileURL(storeDir).href,
    GRAPH_API_BASE_URL: simUrl,
    WA_ACCESS_TOKEN: 'test-token',
    MEDIA_ALLOW_INSECURE_HTTP: 'true',
    MEDIA_RETRY_MIN_MS: '50',
    MEDIA_COMMIT_INTERVAL_MS: '20',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

export async function startMediaApp (t: TestContext, env: Record<string, string>, deps: MediaAppDeps = {}): Promise<MediaApp> {
  const config = loadConfig(env)
  const app = createMediaApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'media-test' }), ...deps })
  t.after(() => app.stop())
  await app.start()
  return app
}

/** Every committed InboundMedia record of the prefix, as they arrive (read_committed), each offset once. */
export async function collectMedia (t: TestContext, prefix: string): Promise<InboundMedia[]> {
  const out: InboundMedia[] = []
  const consumer: Consumer = testKafka().consumer({ groupId: uniqueName('media-reader'), readUncommitted: false })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  const topic = mediaTopicName(prefix)
  // The worker creates the topic; wait for it.
  const admin = testKafka().admin()
  await admin.connect()
  await waitFor(`topic ${topic}`, async () => (await admin.listTopics()).includes(topic), 60_000)
  await admin.disconnect()
  await consumer.subscribe({ topic, fromBeginning: true })
  // A rebalance of this reader may hand it records again: each (partition, offset) counts once.
  const seen = new Set<string>()
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (seen.has(`${partition}:${message.offset}`)) return
      seen.add(`${partition}:${message.offset}`)
      out.push((await codec.deserialize(message.value as Buffer, 'InboundMedia')).value as InboundMedia)
    }
  })
  return out
}
