import type { Kafka } from 'kafkajs'
import { createProducer } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { writeParked } from './retry-store.ts'
import { createSubscriptionAdmin, type SubscriptionAdmin } from './subscription-admin.ts'
import { createSubscriptionStore } from './subscription-store.ts'
import { ensureWebhookTopics, webhookTopics } from './webhook-topics.ts'

export interface OpenSubscriptionAdminOptions {
  kafka: Kafka
  codec: Codec
  prefix: string
  /** Partitions of topics created when missing. Default 12. */
  partitions?: number
  /** How long a rotated-out secret keeps signing, ms. Default 24 h. */
  secretGraceMs?: number
  logger: Pick<Logger, 'info' | 'warn'>
}

export interface OpenedSubscriptionAdmin {
  admin: SubscriptionAdmin
  close (): Promise<void>
}

/**
 * The subscription operations straight on Kafka, without a running service (the `wabridge
 * subscriptions` command): reads the subscriptions topic to its end, then writes through it. Running
 * services see the change within their next poll.
 */
export async function openSubscriptionAdmin (options: OpenSubscriptionAdminOptions): Promise<OpenedSubscriptionAdmin> {
  const { kafka, codec } = options
  const topics = webhookTopics(options.prefix)
  const producer = createProducer(kafka)
  await producer.start()
  let crash: Error | undefined
  const store = createSubscriptionStore({ kafka, producer, codec, topic: topics.subscriptions, groupPrefix: 'wabridge-cli.subscriptions-view', onCrash: (err) => { crash = err } })
  try {
    await ensureWebhookTopics(kafka, { prefix: options.prefix, partitions: options.partitions ?? 12 }, options.logger)
    const admin = kafka.admin()
    await admin.connect()
    const meta = await admin.fetchTopicMetadata({ topics: [topics.retry] }).finally(() => admin.disconnect())
    const partitions = meta.topics[0]?.partitions.length ?? 1
    await store.start()
    if (crash) throw crash
    return {
      admin: createSubscriptionAdmin({
        store,
        retry: { park: (delivery) => writeParked({ producer, codec, topic: topics.retry }, partitions, delivery) },
        kafka,
        codec,
        producer,
        failedTopic: topics.failed,
        secretGraceMs: options.secretGraceMs ?? 24 * 60 * 60 * 1000,
        now: Date.now
      }),
      async close () {
        await store.stop()
        await producer.stop()
      }
    }
  } catch (err) {
    await store.stop().catch(() => {})
    await producer.stop().catch(() => {})
    throw err
  }
}
