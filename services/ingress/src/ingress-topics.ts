import type { Kafka } from 'kafkajs'
import { ensureTopics, type TopicKey } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'

/** The topics the ingress writes. */
export const INGRESS_TOPICS: readonly TopicKey[] = ['inboundMessages', 'inboundStatuses', 'inboundEvents', 'inboundRaw']

export interface IngressTopicsOptions {
  prefix: string
  partitions: number
  replicationFactor: number
  /** How long transient failures (a stalled or restarting broker, a leader election) are retried, ms. Default 60000. */
  maxRetryTimeMs?: number
}

/**
 * Creates the ingress topics that are missing. Right after a broker stall or restart the cluster
 * answers with timeouts and election errors for a while: ensureTopics retries those (logged at
 * warn) before start fails; other errors fail start at once.
 */
export async function ensureIngressTopics (kafka: Kafka, options: IngressTopicsOptions, logger: Logger): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const result = await ensureTopics(admin, {
      ...options,
      only: INGRESS_TOPICS,
      onRetry: (err, attempt) => logger.warn({ attempt, reason: err.message }, 'ensuring topics failed, retrying')
    })
    if (result.created.length > 0) logger.info({ topics: result.created }, 'topics created')
    for (const m of result.mismatched) logger.warn(m, 'topic has a different partition count than KAFKA_TOPIC_PARTITIONS')
  } finally {
    await admin.disconnect()
  }
}
