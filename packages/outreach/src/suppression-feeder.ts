import type { Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import { sessionOptions } from './session-options.ts'
import type { Codec, InboundEvent, InboundMessage, InboundStatus } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { actionsForEvent, actionsForMessage, actionsForStatus, shouldReplace, type FeederAction, type FeederContext } from './feeder-actions.ts'
import { createKeywordMatcher, DEFAULT_STOP_KEYWORDS } from './stop-keywords.ts'
import type { SuppressionStore } from './suppression-store.ts'

export interface SuppressionFeederOptions {
  kafka: Kafka
  codec: Codec
  /** Where suppressions are written (started by the caller). */
  store: SuppressionStore
  /** wa.inbound.statuses (131050, 131049), wa.inbound.messages (stop keywords), wa.inbound.events (user_preferences). */
  topics: { statuses: string, messages: string, events: string }
  /** One group for every instance: each inbound record is handled once. */
  groupId: string
  /** Stop keywords, matched against a whole text message, trimmed and case-folded. Default DEFAULT_STOP_KEYWORDS. */
  keywords?: readonly string[] | undefined
  /** The WABA of a phone number (WA_PHONE_WABAS): the scope is the WABA, else 'phone:{id}'. */
  wabaOf: (phoneNumberId: string) => string | undefined
  /** Epoch ms. Default Date.now. */
  clock?: (() => number) | undefined
  logger: Logger
  onCrash?: ((err: Error) => void) | undefined
  /** The group's session timeout, ms (default kafkajs' 30 s): a restarted instance joins once its dead predecessor's session expired. */
  sessionTimeoutMs?: number | undefined
}

/**
 * Feeds the suppression list from Meta and users: failed statuses 131050 (opted_out) and 131049
 * (marketing_limit, held 24 h from the status), text messages that are a stop keyword (keyword),
 * and user_preferences webhooks (stop → opted_out, resume → Meta's opt-out lifted). Offsets are
 * committed after the suppressions of a batch are acknowledged: a crash repeats, never loses.
 */
export async function startSuppressionFeeder (o: SuppressionFeederOptions): Promise<{ stop(): Promise<void> }> {
  const clock = o.clock ?? Date.now
  const keywordOf = createKeywordMatcher(o.keywords ?? DEFAULT_STOP_KEYWORDS)
  const consumer = createConsumer(o.kafka, {
    groupId: o.groupId,
    topics: [o.topics.statuses, o.topics.messages, o.topics.events],
    // A new group reads what the topics still hold (7 days): opt-outs from before the first start count too.
    fromBeginning: true,
    ...sessionOptions(o.sessionTimeoutMs),
    ...(o.onCrash && { onCrash: o.onCrash })
  })

  async function actionsOf (topic: string, value: Buffer): Promise<FeederAction[]> {
    const ctx: FeederContext = { wabaOf: o.wabaOf, keywordOf, now: clock() }
    if (topic === o.topics.statuses) return actionsForStatus((await o.codec.deserialize(value, 'InboundStatus')).value as InboundStatus, ctx)
    if (topic === o.topics.messages) return actionsForMessage((await o.codec.deserialize(value, 'InboundMessage')).value as InboundMessage, ctx)
    return actionsForEvent((await o.codec.deserialize(value, 'InboundEvent')).value as InboundEvent, ctx)
  }

  async function apply (action: FeederAction): Promise<void> {
    if (action.type === 'add') {
      const s = action.suppression
      if (!shouldReplace(o.store.get(s.scope, s.wa_id), s, clock())) return
      await o.store.add(s)
      o.logger.info({ scope: s.scope, reason: s.reason, source: s.source }, 'recipient suppressed')
    } else if (o.store.get(action.scope, action.waId)?.reason === action.reason) {
      await o.store.remove(action.scope, action.waId)
      o.logger.info({ scope: action.scope, reason: action.reason }, 'suppression lifted')
    }
  }

  await consumer.start({
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (const m of batch.messages) {
        let actions: FeederAction[] = []
        if (m.value !== null) {
          try {
            actions = await actionsOf(batch.topic, m.value)
          } catch (err) {
            // A record this version cannot decode must not stall the partition.
            o.logger.warn({ err, topic: batch.topic, partition: batch.partition, offset: m.offset }, 'inbound record skipped: not decodable')
          }
        }
        for (const a of actions) await apply(a)
        resolveOffset(m.offset)
      }
      await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }])
      await heartbeat()
    }
  })
  return { stop: () => consumer.stop() }
}
