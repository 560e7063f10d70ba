import { metrics } from '@opentelemetry/api'
import { topicNames, type TopicLimits } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { createDedupCache } from '../../../services/ingress/src/dedup-cache.ts'
import { createIngressMetrics } from '../../../services/ingress/src/metrics.ts'
import { createWebhookPublisher, type WebhookPublisher } from '../../../services/ingress/src/webhook-publisher.ts'

/**
 * The ingress's publisher as the service builds it (dedup of 200,000 ids for 15 minutes, Avro
 * encoding, the deadline), over a producer that acknowledges at once and topics whose
 * max.message.bytes are known: the publish path without Kafka, for the in-process benchmarks.
 */
export function createInstantPublisher (): WebhookPublisher {
  const limits: Pick<TopicLimits, 'peek' | 'get'> = { peek: () => ({ maxMessageBytes: 1_048_588, partitions: 1 }) as never, get: async () => new Map() }
  return createWebhookPublisher({ topics: topicNames('bench'), timeoutMs: 5000, maxPendingBytes: 128 * 1024 * 1024 }, {
    producer: { send: async () => [] },
    limits,
    codec: createCodec(),
    dedup: createDedupCache({ ttlMs: 15 * 60_000, maxEntries: 200_000 }),
    metrics: createIngressMetrics(metrics.getMeter('bench'))
  })
}
