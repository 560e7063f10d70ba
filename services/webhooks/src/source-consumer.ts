import type { TopicNames, WabridgeConsumer } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { Dispatcher } from './dispatcher.ts'
import { toSourceEvent } from './source-events.ts'

export interface SourceConsumerDeps {
  consumer: WabridgeConsumer
  codec: Codec
  topics: TopicNames
  dispatcher: Dispatcher
  logger: Logger
}

/**
 * Reads the source topics and commits a batch's offsets only once each of its events is delivered
 * or durable in the retry or failed topic: a failing endpoint costs one attempt per event (or
 * none while its lane waits), never a blocked partition.
 */
export function createSourceConsumer (deps: SourceConsumerDeps) {
  const { consumer, logger } = deps
  return {
    async start () {
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const work: Array<Promise<void>> = []
          for (const message of batch.messages) {
            if (message.value === null) continue
            try {
              const event = await toSourceEvent(deps.codec, deps.topics, batch.topic, message.value)
              work.push(deps.dispatcher.dispatch(event, { topic: batch.topic, partition: batch.partition, offset: message.offset }))
            } catch (err) {
              // Another producer's bad record must not stop the partition; it cannot become a webhook.
              logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: message.offset }, 'undecodable source record skipped')
            }
          }
          // Keep the group membership while slow endpoints are tried.
          const beat = setInterval(() => { heartbeat().catch(() => {}) }, 3000)
          try {
            await Promise.all(work)
          } finally {
            clearInterval(beat)
          }
          const last = batch.messages.at(-1)
          if (last === undefined) return
          resolveOffset(last.offset)
          await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }])
        }
      })
    },
    async stop () { await consumer.stop() }
  }
}
