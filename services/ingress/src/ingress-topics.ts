import { setTimeout as sleep } from 'node:timers/promises'
import type { Kafka } from 'kafkajs'
import { ensureTopics, type TopicKey } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'

/** The topics the ingress writes. */
export const INGRESS_TOPICS: readonly TopicKey[] = ['inboundMessages', 'inboundStatuses', 'inboundEvents', 'inboundRaw']

export interface IngressTopicsOptions {
  prefix: string
  partitions: number
  replicationFactor: number
  /** Attempts when the broker answers with a retriable error. Default 5. */
  maxAttempts?: number
}

/**
 * Creates the ingress topics that are missing. A topic created a moment ago (by this or another
 * instance) can briefly be unknown to the broker's metadata, which kafkajs reports as a retriable
 * error: such errors are retried a few times before start fails.
 */
export async function ensureIngressTopics (kafka: Kafka, options: IngressTopicsOptions, logger: Logger): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 5
  const admin = kafka.admin()
  await admin.connect()
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await ensureTopics(admin, { ...options, only: INGRESS_TOPICS })
        if (result.created.length > 0) logger.info({ topics: result.created }, 'topics created')
        for (const m of result.mismatched) logger.warn(m, 'topic has a different partition count than KAFKA_TOPIC_PARTITIONS')
        return
      } catch (err) {
        if (attempt >= maxAttempts || (err as { retriable?: unknown }).retriable !== true) throw err
        logger.warn({ attempt, reason: (err as Error).message }, 'ensuring topics failed, retrying')
        await sleep(attempt * 250)
      }
    }
  } finally {
    await admin.disconnect()
  }
}
