/**
 * Confluent's @confluentinc/kafka-javascript (librdkafka) behind @wabridge/kafka's producer, for
 * the client comparison of issue 18, through the package's own KafkaJS-compatible API (producer,
 * connect, disconnect, sendBatch). Benchmark-only and not a dependency of the project: the package
 * must be built from source here (its prebuilt binaries come from GitHub), so the benchmark loads
 * it from the directory BENCH_CONFLUENT_MODULE names. How to build it: docs/benchmarks.md, "Kafka client".
 */
import { createRequire } from 'node:module'
import type { Kafka, ProducerConfig } from 'kafkajs'

interface ConfluentKafkaJS {
  Kafka: new (config: object) => { producer (config: object): unknown }
  logLevel: { WARN: number }
}

/** A stand-in for kafkajs' `Kafka` whose producers are Confluent's (idempotent, acks=all, linger.ms 0: every send is awaited). */
export function confluentAsKafkajs (modulePath: string, brokers: string[], clientId = 'wabridge-confluent'): Kafka {
  const { Kafka: ConfluentKafka, logLevel } = (createRequire(import.meta.url)(modulePath) as { KafkaJS: ConfluentKafkaJS }).KafkaJS
  const kafka = new ConfluentKafka({ kafkaJS: { brokers, clientId, logLevel: logLevel.WARN } })
  const producer = (config?: ProducerConfig) => {
    const inner = kafka.producer({
      kafkaJS: { idempotent: config?.idempotent ?? true, acks: -1, allowAutoTopicCreation: false },
      'linger.ms': 0
    }) as { connect (): Promise<void>, disconnect (): Promise<void>, sendBatch (batch: object): Promise<unknown> }
    return {
      connect: () => inner.connect(),
      disconnect: () => inner.disconnect(),
      // acks is the producer's setting here (all), and the package refuses it per send.
      sendBatch: ({ acks: _acks, ...batch }: { acks?: number }) => inner.sendBatch(batch)
    }
  }
  return { producer } as unknown as Kafka
}
