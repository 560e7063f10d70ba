import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { TestContext } from 'node:test'
import type { Meter, Tracer } from '@opentelemetry/api'
import avro from 'avsc'
import type { Admin, Kafka } from 'kafkajs'
import { request } from 'undici'
import { createKafkaClient, topicNames, type TopicNames } from '@wabridge/kafka'
import { SCHEMA_FILES } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { signWebhookBody } from '@wabridge/webhook-signature'
import { createIngress, type Ingress } from '../src/app.ts'
import { loadConfig, type IngressConfig } from '../src/config.ts'

export const OLD_SECRET = 'old-app-secret-0123456789abcdef'
export const APP_SECRET = 'app-secret-fedcba9876543210'
export const VERIFY_TOKEN = 'verify-token-42'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

/** Env for a test ingress: its own topic prefix, a free port, two app secrets. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: `t-${randomUUID().slice(0, 12)}`,
    KAFKA_TOPIC_PARTITIONS: '2',
    INGRESS_PORT: '0',
    WA_APP_SECRETS: `${OLD_SECRET},${APP_SECRET}`,
    WA_VERIFY_TOKEN: VERIFY_TOKEN,
    LOG_LEVEL: 'silent',
    ...overrides
  }
}

export interface TestIngress {
  ingress: Ingress
  config: IngressConfig
  url: string
  topics: TopicNames
  kafka: Kafka
  admin: Admin
  /** POSTs `body` to /webhook, signed with APP_SECRET unless `signature` is given (null = no header). */
  post(body: string | Buffer | object, options?: PostOptions): Promise<Reply>
}

export interface PostOptions { signature?: string | null, secret?: string, headers?: Record<string, string> }
export interface Reply { status: number, headers: Record<string, string | string[] | undefined>, text: string }

export interface TestIngressOptions {
  env?: Record<string, string>
  meter?: Meter
  tracer?: Tracer
  now?: () => number
  logDestination?: NodeJS.WritableStream
}

export async function buildTestIngress (t: TestContext, options: TestIngressOptions = {}): Promise<TestIngress> {
  const config = loadConfig(testEnv(options.env))
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'ingress-test', ...(options.logDestination && { destination: options.logDestination }) })
  const ingress = createIngress(config, { logger, ...(options.meter && { meter: options.meter }), ...(options.tracer && { tracer: options.tracer }), ...(options.now && { now: options.now }) })
  t.after(() => ingress.stop())
  await ingress.start()
  const kafka = createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: `reader-${randomUUID().slice(0, 8)}` })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const url = ingress.url!
  return { ingress, config, url, topics: topicNames(config.TOPIC_PREFIX), kafka, admin, post: (body, opts) => postWebhook(url, body, opts) }
}

export function toBody (body: string | Buffer | object): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8')
}

export async function postWebhook (url: string, body: string | Buffer | object, options: PostOptions = {}): Promise<Reply> {
  const bytes = toBody(body)
  const signature = options.signature === undefined ? signWebhookBody(bytes, options.secret ?? APP_SECRET) : options.signature
  const res = await request(`${url}/webhook`, {
    method: 'POST',
    body: bytes,
    headers: { 'content-type': 'application/json', ...(signature !== null && { 'x-hub-signature-256': signature }), ...options.headers },
    headersTimeout: 20_000,
    bodyTimeout: 20_000
  })
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
}

export interface StoredRecord { topic: string, partition: number, key: string | null, value: Buffer, headers: Record<string, string> }

/** How many records each topic holds (high minus low watermark, summed over partitions). */
export async function countRecords (admin: Admin, topics: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic)
    counts[topic] = offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0)
  }
  return counts
}

/** Every record of `topics`, read from the beginning; exactly as many as the watermarks say. */
export async function readTopics (kafka: Kafka, admin: Admin, topics: readonly string[], timeoutMs = 20_000): Promise<Record<string, StoredRecord[]>> {
  const counts = await countRecords(admin, topics)
  const out: Record<string, StoredRecord[]> = Object.fromEntries(topics.map((topic) => [topic, []]))
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  if (total === 0) return out
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  try {
    let seen = 0
    // A rebalance or restart of the group re-delivers uncommitted records: keep each topic/partition@offset once.
    const delivered = new Set<string>()
    await consumer.subscribe({ topics: [...topics], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const id = `${topic}/${partition}@${message.offset}`
        if (delivered.has(id)) return
        delivered.add(id)
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v)
        out[topic]!.push({ topic, partition, key: message.key?.toString() ?? null, value: message.value!, headers })
        seen++
      }
    })
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (seen >= total) break
      if (Date.now() > deadline) throw new Error(`read ${seen} of ${total} records in ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return out
  } finally {
    await consumer.disconnect()
  }
}

// Decoding with nothing but the .avsc files and the Avro spec (single-object encoding:
// C3 01, CRC-64-AVRO fingerprint little-endian, body), independent of @wabridge/schemas' codec.
const EMPTY = 0xc15d213aa4d7a795n
const TABLE = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i)
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n))
  return fp
})

function rabin (text: string): Buffer {
  let fp = EMPTY
  for (const byte of Buffer.from(text, 'utf8')) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!
  const out = Buffer.alloc(8)
  out.writeBigUInt64LE(fp)
  return out
}

type AvscName = 'InboundMessage' | 'InboundStatus' | 'InboundEvent' | 'RawWebhook'
const AVSC = (['InboundMessage', 'InboundStatus', 'InboundEvent', 'RawWebhook'] as const).map((name) => {
  const type = avro.Type.forSchema(JSON.parse(readFileSync(SCHEMA_FILES[name], 'utf8')) as avro.Schema)
  return { name, type, fingerprint: rabin(JSON.stringify(type.schema())) }
})

/** Decodes a record value with only the .avsc files; throws unless it is single-object encoded with one of them. */
export function decodeWithAvsc (buf: Buffer): { schema: AvscName, fingerprint: string, value: Record<string, unknown> } {
  if (buf[0] !== 0xc3 || buf[1] !== 0x01) throw new Error('not Avro single-object encoding')
  const fingerprint = buf.subarray(2, 10)
  const match = AVSC.find((s) => s.fingerprint.equals(fingerprint))
  if (!match) throw new Error(`no .avsc file has fingerprint ${fingerprint.toString('hex')}`)
  return { schema: match.name, fingerprint: fingerprint.toString('hex'), value: match.type.fromBuffer(buf.subarray(10)) as Record<string, unknown> }
}

/** The four ingress topics of a test, in a fixed order. */
export const inboundTopics = (topics: TopicNames) => [topics.inboundMessages, topics.inboundStatuses, topics.inboundEvents, topics.inboundRaw] as const
