import type { Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import { sessionOptions } from './session-options.ts'
import type { Codec, InboundEvent } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { tierFromEvent, type MessagingTier } from './messaging-tiers.ts'

/** A tier a webhook announced: for a number (phone_number_id) or a WABA (business_capability_update is WABA-level). */
export interface TierAnnouncement {
  phoneNumberId: string | null
  wabaId: string
  tier: MessagingTier
  /** Meta's time of the webhook (else when ingress received it), epoch ms. */
  at: number
  /** The webhook field. */
  source: string
}

export interface TierEventsOptions {
  kafka: Kafka
  codec: Codec
  /** wa.inbound.events. */
  topic: string
  /** One group for every instance: each webhook is handled once (the guard shares it through its reach topic). */
  groupId: string
  /** Awaited before the offset is committed. */
  onTier: (announcement: TierAnnouncement) => Promise<void>
  logger: Logger
  onCrash?: ((err: Error) => void) | undefined
  /** The group's session timeout, ms (see SuppressionFeederOptions.sessionTimeoutMs). */
  sessionTimeoutMs?: number | undefined
}

/** Reads business_capability_update and phone_number_quality_update webhooks from wa.inbound.events. */
export async function startTierEvents (o: TierEventsOptions): Promise<{ stop(): Promise<void> }> {
  // A new group reads the tier changes the topic still holds; an older one never replaces a newer (applyTier).
  const consumer = createConsumer(o.kafka, { groupId: o.groupId, topics: [o.topic], fromBeginning: true, ...sessionOptions(o.sessionTimeoutMs), ...(o.onCrash && { onCrash: o.onCrash }) })
  async function onEvent (value: Buffer): Promise<void> {
    const e = (await o.codec.deserialize(value, 'InboundEvent')).value as InboundEvent
    let body: unknown
    try { body = JSON.parse(e.value_json) } catch { return }
    const tier = tierFromEvent(e.field, body)
    if (tier !== undefined) await o.onTier({ phoneNumberId: e.phone_number_id, wabaId: e.waba_id, tier, at: e.meta_timestamp ?? e.received_at, source: e.field })
  }
  await consumer.start({
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const m of batch.messages) {
        try {
          if (m.value !== null) await onEvent(m.value)
        } catch (err) {
          // An undecodable record or a failed write must not stall the partition: the Graph API refresh catches up.
          o.logger.warn({ err, topic: batch.topic, offset: m.offset }, 'tier event skipped')
        }
        resolveOffset(m.offset)
      }
      await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }])
    }
  })
  return { stop: () => consumer.stop() }
}
