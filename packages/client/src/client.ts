import { Kafka, logLevel, Partitioners, type KafkaConfig, type Producer } from 'kafkajs'
import { z } from 'zod'
import { createCodec, type Codec } from './codec.ts'
import { ClientError } from './errors.ts'
import { correctKafkajsIdleTimers } from './kafkajs-idle-timers.ts'
import type { InboundMessage, InboundStatus, OutboundResult } from './records.ts'
import { createSchemaRegistry } from './registry.ts'
import { isScheduled, toRequestRecord, type SendRequest } from './request.ts'
import { createResultWaiter, type WaitOptions } from './result-waiter.ts'
import { subscribe, type Handler, type RecordInfo, type SubscribeOptions, type Subscription } from './subscription.ts'
import { clientTopics, type ClientTopics } from './topics.ts'

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Kafka bootstrap brokers, `host:port`. */
  brokers: string[]
  /** The gateway's TOPIC_PREFIX. Default `wa`. */
  topicPrefix?: string
  /** Kafka client id, and the prefix of the default consumer groups. Default `wabridge-client`. */
  clientId?: string
  /**
   * The gateway's SCHEMA_REGISTRY_URL, when it uses one: requests are then written in the Confluent
   * wire format (registered under `<topic>-value`) and Confluent records can be read. Without it,
   * Avro single-object encoding.
   */
  schemaRegistryUrl?: string
  /** More kafkajs settings (ssl, sasl, connectionTimeout, retry, logLevel, logCreator…). Default log level: ERROR. */
  kafka?: Omit<KafkaConfig, 'brokers' | 'clientId'>
  /** The clock giving a request's default created_at and deciding whether its send_at is in the future, epoch milliseconds. Default Date.now. */
  now?: () => number
}

/** Options of {@link Client.send}. */
export interface SendOptions {
  /** Wait for the request's result: true (defaults) or the wait settings. */
  wait?: boolean | WaitOptions
}

/** A connection to the gateway's topics. */
export interface Client {
  /** The topics the client uses. */
  readonly topics: ClientTopics
  /**
   * Validates `request`, produces it to `<prefix>.outbound.requests` (key: phone_number_id, so it
   * lands in the partition the gateway's own producers choose) and resolves with its request_id
   * once Kafka acknowledged it. A request whose send_at is more than 1 s ahead goes to
   * `<prefix>.outbound.scheduled` instead (same key), where the gateway's scheduler holds it until
   * then. Throws CLIENT_INVALID_REQUEST (nothing produced) or CLIENT_SEND_FAILED.
   */
  send (request: SendRequest, options?: { wait?: false }): Promise<string>
  /**
   * The same, then waits for the request's result on `<prefix>.outbound.results` and resolves with
   * it (a settlement replaces an `unknown`, see WaitOptions.settle; a scheduled request cancelled
   * before its time resolves with status `cancelled`). Throws CLIENT_WAIT_TIMEOUT when none came in
   * time (the request was produced all the same); for a scheduled request the timeout counts from
   * its send_at.
   */
  send (request: SendRequest, options: { wait: true | WaitOptions }): Promise<OutboundResult>
  send (request: SendRequest, options?: SendOptions): Promise<string | OutboundResult>
  /** Handles every inbound message (`<prefix>.inbound.messages`). Dedup key: the event-id header (the wamid). */
  onMessage (handler: Handler<InboundMessage>, options?: SubscribeOptions): Promise<Subscription>
  /** Handles every status of sent messages (`<prefix>.inbound.statuses`). Dedup key: the event-id header (wamid:status). */
  onStatus (handler: Handler<InboundStatus>, options?: SubscribeOptions): Promise<Subscription>
  /**
   * Handles every result (`<prefix>.outbound.results`, read_committed). Dedup key: the event-id
   * header (the request id), with `:settlement` for a settlement record, so that the settlement
   * that follows an `unknown` result is not taken for a repeat.
   */
  onResult (handler: Handler<OutboundResult>, options?: SubscribeOptions): Promise<Subscription>
  /** Stops every subscription (letting running handlers finish), rejects pending waits with CLIENT_CLOSED, disconnects. */
  close (): Promise<void>
}

const OptionsSchema = z.object({
  brokers: z.array(z.string().regex(/^\S+:\d+$/, 'must be host:port')).min(1),
  topicPrefix: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a Kafka topic name prefix').optional(),
  clientId: z.string().min(1).optional(),
  schemaRegistryUrl: z.url().optional()
})

function checkOptions (options: ClientOptions): void {
  const parsed = OptionsSchema.safeParse(options)
  if (parsed.success) return
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
  throw new ClientError('CLIENT_INVALID_OPTIONS', `invalid client options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues })
}

function resultDedupKey (record: RecordInfo): string | undefined {
  if (record.eventId === undefined) return undefined
  return record.headers['result-kind'] === 'settlement' ? `${record.eventId}:settlement` : record.eventId
}

/** Creates a client. Nothing connects until the first send() or subscription. */
export function createClient (options: ClientOptions): Client {
  checkOptions(options)
  const clientId = options.clientId ?? 'wabridge-client'
  const topics = clientTopics(options.topicPrefix ?? 'wa')
  const now = options.now ?? Date.now
  correctKafkajsIdleTimers()
  const kafka = new Kafka({ logLevel: logLevel.ERROR, ...options.kafka, clientId, brokers: options.brokers })
  const codec: Codec = createCodec(options.schemaRegistryUrl === undefined ? undefined : createSchemaRegistry(options.schemaRegistryUrl))
  const waiter = createResultWaiter(kafka, topics.outboundResults, clientId, (buf) => codec.deserialize(buf, 'OutboundResult'))
  const subscriptions = new Set<Subscription>()
  let producer: Promise<Producer> | undefined
  let closed = false

  function assertOpen (): void {
    if (closed) throw new ClientError('CLIENT_CLOSED', 'the client is closed')
  }

  function connectedProducer (): Promise<Producer> {
    if (!producer) {
      // The Java-compatible murmur2 partitioner, as every wabridge producer uses (docs/topics.md).
      const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
      producer = p.connect().then(() => p)
      producer.catch(() => { producer = undefined })
    }
    return producer
  }

  async function send (request: SendRequest, sendOptions: SendOptions = {}): Promise<string | OutboundResult> {
    assertOpen()
    const record = toRequestRecord(request, now)
    // A future send_at goes to the scheduler directly (egress would forward it there anyway).
    const topic = isScheduled(record, now()) ? topics.outboundScheduled : topics.outboundRequests
    const waitOptions = sendOptions.wait === true ? {} : sendOptions.wait || undefined
    if (waitOptions) await waiter.start()
    const waiting = waitOptions && waiter.wait(record.request_id, waitOptions)
    try {
      const value = await codec.serialize(topic, 'OutboundRequest', record)
      await (await connectedProducer()).send({
        topic,
        acks: -1,
        messages: [{
          key: record.phone_number_id,
          value,
          headers: {
            'event-id': record.request_id,
            'content-type': 'application/vnd.wabridge.outbound-request.v1+avro',
            'schema-fingerprint': codec.fingerprintHex('OutboundRequest')
          }
        }]
      })
    } catch (err) {
      waiting?.cancel()
      if (err instanceof ClientError && err.code !== 'CLIENT_REGISTRY_FAILED') throw err
      throw new ClientError('CLIENT_SEND_FAILED', `could not produce request ${record.request_id}: ${(err as Error).message}`, { cause: err, requestId: record.request_id })
    }
    if (!waiting) return record.request_id
    // The result of a scheduled request comes after its send_at: the timeout counts from then.
    waiting.arm(Math.max(0, (record.send_at ?? 0) - now()))
    return await waiting.result
  }

  async function on<T> (topic: string, suffix: string, decode: (buf: Buffer) => Promise<T>, handler: Handler<T>, subscribeOptions: SubscribeOptions, dedupKey: (r: RecordInfo) => string | undefined): Promise<Subscription> {
    assertOpen()
    const subscription = await subscribe({ kafka, topic, groupId: subscribeOptions.groupId ?? `${clientId}-${suffix}`, decode, handler, options: subscribeOptions, dedupKey })
    if (closed) {
      await subscription.close()
      throw new ClientError('CLIENT_CLOSED', 'the client was closed while the subscription started')
    }
    subscriptions.add(subscription)
    const close = subscription.close
    return { groupId: subscription.groupId, topic, close: async () => { subscriptions.delete(subscription); await close() } }
  }

  return {
    topics,
    send: send as Client['send'],
    onMessage: (handler, o = {}) => on(topics.inboundMessages, 'messages', (buf) => codec.deserialize(buf, 'InboundMessage'), handler, o, (r) => r.eventId),
    onStatus: (handler, o = {}) => on(topics.inboundStatuses, 'statuses', (buf) => codec.deserialize(buf, 'InboundStatus'), handler, o, (r) => r.eventId),
    onResult: (handler, o = {}) => on(topics.outboundResults, 'results', (buf) => codec.deserialize(buf, 'OutboundResult'), handler, o, resultDedupKey),
    async close () {
      if (closed) return
      closed = true
      await Promise.allSettled([
        ...[...subscriptions].map((s) => s.close()),
        waiter.close(),
        producer?.then((p) => p.disconnect())
      ])
      subscriptions.clear()
    }
  }
}
