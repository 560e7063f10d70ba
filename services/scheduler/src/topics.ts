import type { Admin } from 'kafkajs'
import { ensureTopics } from '@wabridge/kafka'
import type { Logger } from '@wabridge/telemetry'
import type { SchedulerConfig } from './config.ts'

const DAY_MS = 24 * 3600_000

/**
 * Creates what the scheduler reads and writes when missing: the requests and results topics (it
 * writes both), the scheduled topic (retention 7 days: a record is moved to the pending topic
 * within moments of arriving) and the compacted pending topic, with as many partitions as the
 * scheduled topic (partition p of one holds what partition p of the other handed over).
 */
export async function ensureSchedulerTopics (admin: Admin, config: SchedulerConfig, logger: Logger): Promise<void> {
  const ensured = await ensureTopics(admin, {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    allowSingleReplica: config.KAFKA_ALLOW_SINGLE_REPLICA,
    only: ['outboundRequests', 'outboundResults'],
    extra: [
      { topic: config.SCHEDULER_SCHEDULED_TOPIC, configs: { 'retention.ms': String(7 * DAY_MS) } },
      {
        topic: config.SCHEDULER_PENDING_TOPIC,
        // Compacted: the latest record per request id is its state; tombstones stay a day for readers.
        configs: { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.2', 'segment.ms': String(6 * 3600_000), 'delete.retention.ms': String(DAY_MS) }
      }
    ]
  })
  for (const m of ensured.mismatched) logger.warn(m, 'topic has another partition count than configured')
  const meta = await admin.fetchTopicMetadata({ topics: [config.SCHEDULER_SCHEDULED_TOPIC, config.SCHEDULER_PENDING_TOPIC] })
  const count = (topic: string) => meta.topics.find((t) => t.name === topic)?.partitions.length
  const [scheduled, pending] = [count(config.SCHEDULER_SCHEDULED_TOPIC), count(config.SCHEDULER_PENDING_TOPIC)]
  if (scheduled !== pending) {
    throw new Error(`${config.SCHEDULER_PENDING_TOPIC} has ${pending} partitions and ${config.SCHEDULER_SCHEDULED_TOPIC} ${scheduled}: they must have the same count`)
  }
}
