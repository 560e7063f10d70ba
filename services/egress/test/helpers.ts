import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createGraphApiSim, type GraphApiSim, type GraphApiSimOptions } from '@wabridge/graph-api-sim'
import { createProducer, ensureTopics, toKafkaHeaders, topicNames, type WabridgeProducer } from '@wabridge/kafka'
import { brokersFromEnv, testKafka, waitFor } from '@wabridge/kafka/testing'
import { contentTypeFor, createCodec, type DecodedRecord, type OutboundRequest } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { attemptsTopic, createEgress, type Egress } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

export const codec = createCodec()

export { testKafka, waitFor }

const brokers = () => brokersFromEnv().join(',')

export async function startSim (t: TestContext, options: GraphApiSimOptions = {}): Promise<GraphApiSim> {
  const sim = createGraphApiSim({ pairRate: false, ...options })
  await sim.start()
  t.after(() => sim.stop())
  return sim
}

/** Egress config for a test: its own topic prefix and group, the sim as Graph API, health on port 0. */
export function testEnv (prefix: string, simUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokers(),
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    EGRESS_GROUP_ID: `egress-${prefix}`,
    GRAPH_API_BASE_URL: simUrl,
    WA_ACCESS_TOKEN: 'test-token',
    EGRESS_PORT: '0',
    LOG_LEVEL: 'warn',
    EGRESS_COMMIT_INTERVAL_MS: '200',
    EGRESS_RETRY_BASE_MS: '50',
    EGRESS_COUNT_INBOUND: 'false',
    SHUTDOWN_TIMEOUT_MS: '5000',
    // No ingress in these tests: sends in doubt get no status webhook unless a test writes one.
    EGRESS_IN_DOUBT_WAIT_MS: '1000',
    EGRESS_TAKEOVER_GRACE_MS: '2000',
    // These tests send free-form messages to customers who never wrote: the window check is the subject of window.test.ts only.
    EGRESS_WINDOW_MODE: 'off',
    ...extra
  }
}

export async function startEgress (t: TestContext, env: Record<string, string>): Promise<Egress> {
  const egress = createEgress(loadConfig(env), { logger: createLogger({ level: env.LOG_LEVEL ?? 'warn', name: 'egress-test' }) })
  t.after(() => egress.stop())
  await egress.start()
  return egress
}

/** Creates the topics egress uses (as egress would), so a test can produce or subscribe first. */
export async function prepareTopics (kafka: Kafka, prefix: string, partitions: number): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, {
      prefix,
      partitions,
      replicationFactor: 1,
      only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundMessages'],
      extra: [{ topic: attemptsTopic(prefix) }]
    })
  } finally {
    await admin.disconnect()
  }
}

export async function requestProducer (t: TestContext, kafka: Kafka): Promise<WabridgeProducer> {
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  return producer
}

export function textRequest (phoneNumberId: string, to: string, requestId: string, extra: Partial<OutboundRequest> = {}): OutboundRequest {
  return {
    request_id: requestId,
    phone_number_id: phoneNumberId,
    to,
    message_json: JSON.stringify({ type: 'text', text: { body: `hello ${requestId}` } }),
    expires_at: null,
    metadata: { test: 'yes' },
    created_at: Date.now(),
    ...extra
  }
}

export async function produceRequests (producer: WabridgeProducer, prefix: string, requests: OutboundRequest[]): Promise<void> {
  const topic = topicNames(prefix).outboundRequests
  for (let i = 0; i < requests.length; i += 500) {
    await producer.send(requests.slice(i, i + 500).map((r) => ({
      topic,
      key: r.phone_number_id,
      value: codec.encode('OutboundRequest', r),
      headers: toKafkaHeaders({ eventId: r.request_id ?? undefined, contentType: contentTypeFor('OutboundRequest') })
    })))
  }
}

/**
 * The usual scene of a test: an egress on its own topic prefix against its own simulator, its
 * results being collected, and a producer of requests.
 */
export async function startScenario (t: TestContext, simOptions: GraphApiSimOptions = {}) {
  const prefix = `eg-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, simOptions)
  const kafka = testKafka()
  await startEgress(t, testEnv(prefix, sim.url))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const producer = await requestProducer(t, kafka)
  return { prefix, sim, kafka, results, producer }
}

/** Collects decoded records of a topic (from the beginning) while a test runs, each record once. */
export async function collect<N extends 'OutboundResult' | 'DeadLetter' | 'Alert'> (t: TestContext, kafka: Kafka, topic: string, name: N) {
  const records: Array<DecodedRecord<N>['value']> = []
  const seen = new Set<string>()
  const consumer = kafka.consumer({ groupId: `collect-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      // This reader's own group can rebalance (or kafkajs restart it) and re-deliver uncommitted records: keep each partition@offset once.
      const at = `${partition}@${message.offset}`
      if (seen.has(at)) return
      const value = codec.decode(message.value!, name).value
      seen.add(at)
      records.push(value)
    }
  })
  return records
}
