import type { Admin, Kafka } from 'kafkajs'
import pRetry, { AbortError } from 'p-retry'
import { errorChain } from './transient-errors.ts'

/** Leadership errors: the partition's leader moved or is being elected; the same request succeeds a moment later. */
const LEADER_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE'])

const isLeaderMoving = (err: unknown) => errorChain(err).some((e) => LEADER_MOVING.has(e.type as string))

/**
 * Makes `admin.fetchTopicOffsets` retry while a partition's leader moves, for up to `timeoutMs`.
 * kafkajs retries only UNKNOWN_TOPIC_OR_PARTITION there and fails at once with "not the leader"
 * — which a single KRaft broker answers for a moment after it resumes from a stall, or after a
 * topic was created. Every other error passes through unchanged, as kafkajs threw it.
 */
export function retryOffsetsWhileLeaderMoves (admin: Admin, timeoutMs = 30_000): Admin {
  const fetch = admin.fetchTopicOffsets.bind(admin)
  admin.fetchTopicOffsets = async (topic) => await pRetry(async () => {
    try {
      return await fetch(topic)
    } catch (err) {
      throw isLeaderMoving(err) ? err : new AbortError(err as Error)
    }
  }, { retries: Infinity, minTimeout: 50, maxTimeout: 1000, factor: 2, maxRetryTime: timeoutMs })
  return admin
}

/** `kafka.admin()` returns admins whose offset requests survive a leader moving (retryOffsetsWhileLeaderMoves). */
export function installAdminOffsetRetry (kafka: Kafka): void {
  const create = kafka.admin.bind(kafka)
  kafka.admin = (config) => retryOffsetsWhileLeaderMoves(create(config))
}
