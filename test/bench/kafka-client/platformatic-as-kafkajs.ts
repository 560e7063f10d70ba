/**
 * @platformatic/kafka behind @wabridge/kafka's producer, for the client comparison of issue 18:
 * the part of kafkajs' interface that createProducer uses (kafka.producer(), connect, disconnect,
 * sendBatch), implemented on @platformatic/kafka's Producer. Everything above it (coalescing
 * concurrent callers, size limits, the murmur2 partitioner, settlement per caller) stays
 * @wabridge/kafka's own, so a benchmark that swaps it in measures the client alone.
 * Benchmark-only: not a supported client of the product (see docs/benchmarks.md, "Kafka client").
 */
import { Producer, ProduceAcks } from '@platformatic/kafka'
import type { IHeaders, Kafka, Message, ProducerConfig, RecordMetadata, ProducerBatch } from 'kafkajs'

const toBuffer = (data?: unknown): Buffer | undefined =>
  data === undefined || data === null ? undefined : Buffer.isBuffer(data) ? data : Buffer.from(String(data))

type AnyProducer = Producer<unknown, unknown, unknown, unknown>

function headersOf (headers: IHeaders | undefined): Map<string, unknown> | undefined {
  if (!headers) return undefined
  const map = new Map<string, unknown>()
  for (const key in headers) {
    const value = headers[key]
    if (value !== undefined) map.set(key, Array.isArray(value) ? value[0] : value)
  }
  return map
}

/** A stand-in for kafkajs' `Kafka` whose producers are @platformatic/kafka producers (idempotent, acks=all). */
export function platformaticAsKafkajs (brokers: string[], clientId = 'wabridge-platformatic'): Kafka {
  const producer = (config?: ProducerConfig) => {
    let client: AnyProducer | undefined
    const open = (): AnyProducer => {
      client ??= new Producer({
        clientId,
        bootstrapBrokers: brokers,
        idempotent: config?.idempotent ?? true,
        acks: ProduceAcks.ALL,
        retries: config?.retry?.retries ?? 5,
        autocreateTopics: false,
        serializers: { key: toBuffer, value: toBuffer, headerKey: toBuffer, headerValue: toBuffer }
      })
      return client
    }
    return {
      async connect () {
        // Connects and learns the cluster now, as kafkajs' connect does, not on the first send.
        await open().metadata({ topics: [] })
      },
      async disconnect () {
        const c = client
        client = undefined
        if (c) await c.close()
      },
      async sendBatch (batch: ProducerBatch): Promise<RecordMetadata[]> {
        const messages = []
        for (const { topic, messages: list } of batch.topicMessages ?? []) {
          for (const m of list as Message[]) {
            messages.push({ topic, partition: m.partition, key: m.key ?? undefined, value: m.value ?? undefined, headers: headersOf(m.headers) })
          }
        }
        const result = await open().send({ messages })
        return (result.offsets ?? []).map((o) => ({ topicName: o.topic, partition: o.partition, errorCode: 0, baseOffset: String(o.offset) }))
      }
    }
  }
  return { producer } as unknown as Kafka
}
