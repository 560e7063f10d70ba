import { randomUUID } from 'node:crypto'
import { after, type TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createProducer, fromKafkaHeaders, toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { brokersFromEnv, testKafka, waitFor } from '@wabridge/kafka/testing'
import { contentTypeFor, createCodec, generateApiKey, type ApiKey, type Codec, type InboundStatus, type OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createApi, type Api, type ApiDeps } from '../src/app.ts'
import { apiTopicsOf } from '../src/api-topics.ts'
import { loadConfig, type ApiConfig } from '../src/config.ts'
import type { ViewTopics } from '../src/view-feed.ts'

export { waitFor }

/** Two tenants: WABA A owns numbers A1 and A2, WABA B owns B1. */
export const WABA_A = '102290129340398'
export const WABA_B = '102290129340399'
export const NUMBER_A1 = '106540352242922'
export const NUMBER_A2 = '106540352242923'
export const NUMBER_B1 = '107000000000001'
export const PHONE_WABAS = `${NUMBER_A1}=${WABA_A},${NUMBER_A2}=${WABA_A},${NUMBER_B1}=${WABA_B}`

export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv().join(','),
    TOPIC_PREFIX: `t-${randomUUID().slice(0, 12)}`,
    KAFKA_TOPIC_PARTITIONS: '2',
    API_PORT: '0',
    WA_PHONE_WABAS: PHONE_WABAS,
    LOG_LEVEL: 'silent',
    ...overrides
  }
}

export interface Reply { status: number, headers: Headers, body: any }

export interface CallOptions { key?: string | null, body?: unknown, rawBody?: string, headers?: Record<string, string> }

export interface TestApi {
  api: Api
  config: ApiConfig
  url: string
  kafka: Kafka
  codec: Codec
  topics: ViewTopics
  /** A producer for writing records the way egress and ingress would. */
  producer: WabridgeProducer
  call (method: string, path: string, options?: CallOptions): Promise<Reply>
  /** Writes a key record and waits until the API takes the key. */
  createKey (scope: { wabas?: string[], numbers?: string[], rate?: number, burst?: number }): Promise<{ keyId: string, key: string, record: ApiKey }>
  revokeKey (record: ApiKey): Promise<void>
  writeResult (result: Partial<OutboundResult> & Pick<OutboundResult, 'request_id' | 'phone_number_id' | 'status'>): Promise<void>
  writeStatus (status: Partial<InboundStatus> & Pick<InboundStatus, 'biz_opaque_callback_data' | 'phone_number_id' | 'status'>, options?: { withHeaders?: boolean }): Promise<void>
}

export async function call (url: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key) headers.authorization = `Bearer ${options.key}`
  let body: string | undefined = options.rawBody
  if (options.body !== undefined) {
    body = JSON.stringify(options.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined && { body }) })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: response.status, headers: response.headers, body: parsed }
}

export function apiKeyRecord (scope: { wabas?: string[], numbers?: string[], rate?: number, burst?: number }, now = Date.now()) {
  const { keyId, key, secretSha256 } = generateApiKey()
  const record: ApiKey = {
    key_id: keyId,
    name: 'test',
    secret_sha256: secretSha256,
    waba_ids: scope.wabas ?? [],
    phone_number_ids: scope.numbers ?? [],
    rate_per_second: scope.rate ?? 1000,
    burst: scope.burst ?? scope.rate ?? 1000,
    created_at: now,
    revoked_at: null
  }
  return { keyId, key, record }
}

/** Starts an API on its own topic prefix and waits until it caught up; everything stops with the test. */
/** `t` of a test, or a fileCleanup() for an API shared by a file's tests. */
export type Cleanup = Pick<TestContext, 'after'>

/** Cleanups run by node:test's top-level after, in reverse order (call it at the top of a file). */
export function fileCleanup (): Cleanup {
  const steps: Array<() => unknown> = []
  after(async () => { for (const step of steps.reverse()) await step() })
  return { after: (fn: () => unknown) => { steps.push(fn) } } as Cleanup
}

export async function buildTestApi (t: Cleanup, options: { env?: Record<string, string>, deps?: Partial<ApiDeps>, waitCaughtUp?: boolean } = {}): Promise<TestApi> {
  const config = loadConfig(testEnv(options.env))
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'api-test' })
  const api = createApi(config, { logger, ...options.deps })
  t.after(() => api.stop())
  await api.start()
  if (options.waitCaughtUp !== false) await api.whenCaughtUp()
  const kafka = testKafka()
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const topics = apiTopicsOf(config.TOPIC_PREFIX, config.API_KEYS_TOPIC)
  const url = api.url!
  const put = async (topic: string, key: string, value: Buffer | null, headers: Record<string, string> = {}) => {
    await producer.send([{ topic, key, value, headers }])
  }
  const test: TestApi = {
    api,
    config,
    url,
    kafka,
    codec,
    topics,
    producer,
    call: (method, path, opts) => call(url, method, path, opts),
    async createKey (scope) {
      const made = apiKeyRecord(scope)
      await put(topics.keys, made.keyId, codec.encode('ApiKey', made.record))
      await waitFor(async () => (await test.call('GET', '/v1/messages/none', { key: made.key })).status !== 401, 20_000, 'the API to take the new key')
      return made
    },
    async revokeKey (record) {
      await put(topics.keys, record.key_id, codec.encode('ApiKey', { ...record, revoked_at: Date.now() }))
    },
    async writeResult (partial) {
      const result: OutboundResult = {
        to: '16505551234',
        wamid: null,
        wa_id: null,
        message_status: null,
        error: null,
        attempts: 1,
        requested_at: null,
        first_attempt_at: null,
        completed_at: Date.now(),
        metadata: {},
        business_usage_json: null,
        app_usage_json: null,
        source_topic: topics.requests,
        source_partition: 0,
        source_offset: '0',
        reason: null,
        settlement: null,
        ...partial
      }
      await put(topics.results, result.phone_number_id, codec.encode('OutboundResult', result), toKafkaHeaders({ eventId: result.request_id, contentType: contentTypeFor('OutboundResult') }) as Record<string, string>)
    },
    async writeStatus (partial, opts = {}) {
      const status: InboundStatus = {
        event_id: randomUUID(),
        waba_id: WABA_A,
        display_phone_number: '15550001111',
        message_id: `wamid.${randomUUID()}`,
        recipient_id: '16505551234',
        meta_timestamp: Date.now(),
        received_at: Date.now(),
        conversation_id: null,
        conversation_origin: null,
        pricing_category: null,
        pricing_type: null,
        pricing_model: null,
        pricing_billable: null,
        error_codes: [],
        status_json: '{}',
        ...partial
      }
      const headers: Record<string, string> = opts.withHeaders === false
        ? {}
        : { 'wa-status': status.status, 'wa-callback-data': status.biz_opaque_callback_data ?? '', 'wa-message-id': status.message_id, 'wa-timestamp': String(status.meta_timestamp) }
      await put(topics.statuses, `${status.phone_number_id}:${status.recipient_id}`, codec.encode('InboundStatus', status), headers)
    }
  }
  return test
}

/** Every record of `topic` from its beginning, collected as they arrive until the cleanup. */
export async function collectTopic (t: Cleanup, kafka: Kafka, topic: string): Promise<Array<{ key: string | null, value: Buffer | null, eventId: string | undefined }>> {
  const seen: Array<{ key: string | null, value: Buffer | null, eventId: string | undefined }> = []
  // A rebalance or restart of the group re-delivers uncommitted records: keep each partition@offset once.
  const delivered = new Set<string>()
  const consumer = kafka.consumer({ groupId: `collect-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const id = `${partition}@${message.offset}`
      if (delivered.has(id)) return
      delivered.add(id)
      seen.push({ key: message.key?.toString() ?? null, value: message.value, eventId: fromKafkaHeaders(message.headers).eventId })
    }
  })
  return seen
}

/** A valid send request body. */
export function textRequest (phoneNumberId: string, extra: Record<string, unknown> = {}) {
  return { phone_number_id: phoneNumberId, to: '+16505551234', message: { type: 'text', text: { body: 'Hello' } }, ...extra }
}
