import type { TestContext } from 'node:test'
import { createProducer, toKafkaHeaders } from '@wabridge/kafka'
import { brokersFromEnv, connectedAdmin, createTopic, testKafka, uniqueName, waitFor, type ReadRecord } from '@wabridge/kafka/testing'
import { contentTypeFor, createCodec, type Codec, type InboundMessage, type InboundStatus, type OutboundResult } from '@wabridge/schemas'
import { createClient, type Client, type ClientOptions } from '../src/index.ts'

/** Requests, scheduled requests and results are co-partitioned like the gateway's (12); inbound topics have 3. */
export const PARTITIONS = { requests: 12, inbound: 3 }

export interface Setup {
  prefix: string
  brokers: string[]
  kafka: ReturnType<typeof testKafka>
  /** The gateway's codec (@wabridge/schemas), to check what the client writes and to write what the gateway would. */
  codec: Codec
  client: (options?: Partial<ClientOptions>) => Client
  /** Writes a result record the way egress does (headers included). */
  writeResult: (result: OutboundResult) => Promise<void>
  /** Writes an inbound message the way ingress does; `eventId` defaults to its event_id. */
  writeMessage: (message: InboundMessage, eventId?: string) => Promise<void>
  /** Writes a status the way ingress does. */
  writeStatus: (status: InboundStatus) => Promise<void>
}

/** Fresh topics under a unique prefix, and clients closed when the test ends. */
export async function setup (t: TestContext): Promise<Setup> {
  const prefix = uniqueName('client')
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  await Promise.all([
    createTopic(admin, `${prefix}.outbound.requests`, PARTITIONS.requests),
    createTopic(admin, `${prefix}.outbound.scheduled`, PARTITIONS.requests),
    createTopic(admin, `${prefix}.outbound.results`, PARTITIONS.requests),
    createTopic(admin, `${prefix}.inbound.messages`, PARTITIONS.inbound),
    createTopic(admin, `${prefix}.inbound.statuses`, PARTITIONS.inbound)
  ])
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const brokers = brokersFromEnv()
  return {
    prefix,
    brokers,
    kafka,
    codec,
    client (options = {}) {
      const client = createClient({ brokers, topicPrefix: prefix, clientId: uniqueName('test-client'), ...options })
      t.after(() => client.close())
      return client
    },
    async writeResult (result) {
      await producer.send([{
        topic: `${prefix}.outbound.results`,
        key: result.phone_number_id,
        value: codec.encode('OutboundResult', result),
        headers: toKafkaHeaders({
          eventId: result.request_id,
          contentType: contentTypeFor('OutboundResult'),
          schemaFingerprint: codec.fingerprintHex('OutboundResult'),
          extra: { 'result-status': result.status, ...(result.settlement && { 'result-kind': 'settlement' }) }
        })
      }])
    },
    async writeMessage (message, eventId = message.event_id) {
      await producer.send([{
        topic: `${prefix}.inbound.messages`,
        key: `${message.phone_number_id}:${message.customer_wa_id}`,
        value: codec.encode('InboundMessage', message),
        headers: toKafkaHeaders({ eventId, contentType: contentTypeFor('InboundMessage'), schemaFingerprint: codec.fingerprintHex('InboundMessage') })
      }])
    },
    async writeStatus (status) {
      await producer.send([{
        topic: `${prefix}.inbound.statuses`,
        key: `${status.phone_number_id}:${status.recipient_id}`,
        value: codec.encode('InboundStatus', status),
        headers: toKafkaHeaders({ eventId: status.event_id, contentType: contentTypeFor('InboundStatus'), schemaFingerprint: codec.fingerprintHex('InboundStatus') })
      }])
    }
  }
}

/** A result of `requestId` as egress writes it. */
export function resultOf (requestId: string, phoneNumberId: string, overrides: Partial<OutboundResult> = {}): OutboundResult {
  return {
    request_id: requestId,
    phone_number_id: phoneNumberId,
    to: '+16505551234',
    status: 'accepted',
    wamid: 'wamid.HBgL' + requestId,
    wa_id: '16505551234',
    message_status: 'accepted',
    error: null,
    attempts: 1,
    requested_at: 1_780_000_000_000,
    first_attempt_at: 1_780_000_000_100,
    completed_at: 1_780_000_000_200,
    metadata: {},
    business_usage_json: null,
    app_usage_json: null,
    source_topic: 'wa.outbound.requests',
    source_partition: 0,
    source_offset: '0',
    reason: null,
    settlement: null,
    ...overrides
  }
}

/** An inbound text message as ingress writes it. */
export function inboundText (wamid: string, body: string): InboundMessage {
  return {
    event_id: wamid,
    waba_id: '102290129340398',
    phone_number_id: '106540352242922',
    display_phone_number: '15550783881',
    customer_wa_id: '16505551234',
    customer_name: 'Ana',
    message_id: wamid,
    type: 'text',
    meta_timestamp: 1_780_000_000_000,
    received_at: 1_780_000_000_500,
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from: '16505551234', id: wamid, timestamp: '1780000000', type: 'text', text: { body } }),
    contact_json: null
  }
}

/**
 * Every record of `topic` from the beginning, once `count` arrived (like readAll of
 * @wabridge/kafka/testing, with short fetch waits: an empty partition does not hold a fetch for 5 s).
 */
export async function readRecords (kafka: Setup['kafka'], topic: string, count: number): Promise<ReadRecord[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 })
  const seen: ReadRecord[] = []
  // A rebalance or restart of the group re-delivers uncommitted records: keep each partition@offset once.
  const delivered = new Set<string>()
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const id = `${partition}@${message.offset}`
        if (delivered.has(id)) return
        delivered.add(id)
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[0] : v)
        seen.push({ partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value, headers })
      }
    })
    await waitFor(() => seen.length >= count, 30_000, `${count} records on ${topic}`)
    return seen
  } finally {
    await consumer.disconnect()
  }
}

/** A status of a sent message as ingress writes it. */
export function statusOf (wamid: string, status: string): InboundStatus {
  return {
    event_id: `${wamid}:${status}`,
    waba_id: '102290129340398',
    phone_number_id: '106540352242922',
    display_phone_number: '15550783881',
    message_id: wamid,
    status,
    recipient_id: '16505551234',
    meta_timestamp: 1_780_000_000_000,
    received_at: 1_780_000_000_500,
    biz_opaque_callback_data: null,
    conversation_id: null,
    conversation_origin: null,
    pricing_category: null,
    pricing_type: null,
    pricing_model: null,
    pricing_billable: null,
    error_codes: [],
    status_json: JSON.stringify({ id: wamid, status, timestamp: '1780000000', recipient_id: '16505551234' })
  }
}
