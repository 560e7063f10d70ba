import { randomUUID } from 'node:crypto'
import type { Kafka, KafkaMessage } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'

export interface TopicWatcherOptions {
  topic: string
  /** This instance's own group is `<groupId>-<name>-<random>`: every instance reads every record. */
  groupId: string
  name: string
  /** Records written before this time (epoch ms) are skipped: commands and events from before the start are stale. */
  since: number
  onMessage: (message: KafkaMessage) => Promise<void> | void
  onCrash?: (err: Error) => void
  logger: { warn(obj: object, msg: string): void }
}

/**
 * Reads a whole topic in every egress instance (its own consumer group, from the beginning, records
 * older than `since` skipped), for broadcasts: operators' commands (wa.egress.control) and webhook
 * events (wa.inbound.events). Reading from the beginning rather than the end means a record written
 * while the group is still joining is not missed.
 */
export function createTopicWatcher (kafka: Kafka, options: TopicWatcherOptions) {
  const consumer = createConsumer(kafka, {
    groupId: `${options.groupId}-${options.name}-${randomUUID()}`,
    topics: [options.topic],
    fromBeginning: true,
    partitionsConsumedConcurrently: 1,
    maxWaitTimeMs: 200,
    ...(options.onCrash && { onCrash: options.onCrash })
  })
  return {
    async start () {
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            if (Number(message.timestamp) >= options.since) {
              try {
                await options.onMessage(message)
              } catch (err) {
                options.logger.warn({ err, topic: options.topic, offset: message.offset }, 'a broadcast record could not be handled; skipped')
              }
            }
            resolveOffset(message.offset)
          }
          await heartbeat()
        }
      })
    },
    stop: () => consumer.stop()
  }
}
