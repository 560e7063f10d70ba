import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createKafkaClient, createProducer, scanTopicToEnd, topicNames } from '@wabridge/kafka'
import { createCodec, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createWebhooks, loadConfig, type Webhooks, type WebhooksDeps } from '../src/index.ts'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`

export const PHONE = '106540352242922'

/** Env of one test: its own topics and group, 3 partitions, fast retries, 127.0.0.1 allowed. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: uniqueName('wh'),
    KAFKA_TOPIC_PARTITIONS: '3',
    WEBHOOKS_PORT: '0',
    WEBHOOKS_FROM_BEGINNING: 'true',
    WEBHOOKS_ALLOW_HOSTS: '127.0.0.1',
    WEBHOOKS_RETRY_MIN_MS: '100',
    WEBHOOKS_RETRY_MAX_MS: '400',
    WEBHOOKS_TIMEOUT_MS: '5000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

/** Starts the service in-process; stopped after the test unless `stopAfter` is false. */
export async function startWebhooks (t: TestContext, env: Record<string, string>, deps: Partial<WebhooksDeps> = {}, stopAfter = true): Promise<Webhooks> {
  const config = loadConfig(env)
  const app = createWebhooks(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'webhooks-test' }), onFatal: (err) => { throw err }, ...deps })
  if (stopAfter) t.after(() => app.stop())
  await app.start()
  return app
}

export function testKafka (): Kafka {
  return createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('test') })
}

/** An inbound message record of customer `from`, text `text`. */
export function inboundMessage (from: string, text: string, id = `wamid.${randomUUID()}`): InboundMessage {
  const message = { from, id, timestamp: '1750263773', type: 'text', text: { body: text } }
  return {
    event_id: id,
    waba_id: '102290129340398',
    phone_number_id: PHONE,
    display_phone_number: '15550783881',
    customer_wa_id: from,
    customer_name: 'Kerry',
    message_id: id,
    type: 'text',
    meta_timestamp: 1750263773000,
    received_at: 1750263774000,
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify(message),
    contact_json: null
  }
}

/** Produces inbound messages as ingress does (key phone:from, Avro single-object), in order. */
export async function produceMessages (kafka: Kafka, prefix: string, messages: InboundMessage[]): Promise<void> {
  const topic = topicNames(prefix).inboundMessages
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  try {
    const records = await Promise.all(messages.map(async (m) => ({ topic, key: `${m.phone_number_id}:${m.customer_wa_id}`, value: await codec.serialize(topic, 'InboundMessage', m) })))
    await producer.send(records)
  } finally {
    await producer.stop()
  }
}

export interface Received {
  headers: IncomingHttpHeaders
  body: string
  status: number
  at: number
}

/** A real HTTP receiver on port 0; `answer` picks each request's status (default 200). */
export interface Receiver {
  url: string
  /** Every request, in arrival order, with the status it got. */
  requests: Received[]
  /** Bodies of the requests answered 2xx, in order. */
  accepted (): Received[]
  answer: (body: string, headers: IncomingHttpHeaders) => number
}

export async function startReceiver (t: TestContext, path = '/hook'): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    requests: [],
    accepted: () => receiver.requests.filter((r) => r.status >= 200 && r.status < 300),
    answer: () => 200
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const status = receiver.answer(body, req.headers)
      receiver.requests.push({ headers: req.headers, body, status, at: Date.now() })
      res.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`
  return receiver
}

/** The text of a message.received body. */
export function textOf (body: string): string {
  return (JSON.parse(body) as { data: { message: { text: { body: string } } } }).data.message.text.body
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every record value of `topic` as it is now (all partitions, from the start), mapped by `map`. */
export async function scanTopicForTest<T> (kafka: Kafka, topic: string, map: (value: Buffer) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  await scanTopicToEnd(kafka, topic, async (message) => { if (message.value !== null) out.push(await map(message.value)) }, { groupIdPrefix: 'test-scan' })
  return out
}
