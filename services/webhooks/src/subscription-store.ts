import type { Kafka } from 'kafkajs'
import { toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type WebhookSubscription } from '@wabridge/schemas'
import { createTopicView, type TopicView } from './topic-view.ts'

export interface SubscriptionStoreDeps {
  kafka: Kafka
  producer: WabridgeProducer
  codec: Codec
  /** The compacted subscriptions topic. */
  topic: string
  groupPrefix: string
  onCrash: (err: Error) => void
  /** Called after every change seen (from any instance, or written here). */
  onChange?: (sub: WebhookSubscription | undefined, id: string) => void
}

/** Every subscription, from the compacted topic, kept current in every instance; writes go to Kafka first. */
export interface SubscriptionStore {
  /** Reads the topic to its end, then follows it. */
  start (): Promise<void>
  stop (): Promise<void>
  get (id: string): WebhookSubscription | undefined
  list (): WebhookSubscription[]
  /** Writes a new version (acknowledged by Kafka before it returns) and applies it here at once. */
  put (sub: WebhookSubscription): Promise<void>
  /** Writes a tombstone. */
  remove (id: string): Promise<void>
}

export function createSubscriptionStore (deps: SubscriptionStoreDeps): SubscriptionStore {
  const subs = new Map<string, WebhookSubscription>()
  // A version written here may be older than one another instance wrote meanwhile; updated_at decides.
  const apply = (id: string, sub: WebhookSubscription | undefined) => {
    if (sub === undefined) subs.delete(id)
    else {
      const known = subs.get(id)
      if (known !== undefined && known.updated_at > sub.updated_at) return
      subs.set(id, sub)
    }
    deps.onChange?.(sub, id)
  }
  let view: TopicView | undefined
  return {
    async start () {
      view = createTopicView(deps.kafka, {
        topic: deps.topic,
        groupPrefix: deps.groupPrefix,
        onCrash: deps.onCrash,
        onRecord: async (message) => {
          const id = message.key?.toString('utf8')
          if (id === undefined) return
          if (message.value === null) { subs.delete(id); deps.onChange?.(undefined, id); return }
          const sub = (await deps.codec.deserialize(message.value, 'WebhookSubscription')).value
          subs.set(id, sub)
          deps.onChange?.(sub, id)
        }
      })
      await view.start()
    },
    async stop () { await view?.stop() },
    get: (id) => subs.get(id),
    list: () => [...subs.values()],
    async put (sub) {
      await deps.producer.send([{
        topic: deps.topic,
        key: sub.subscription_id,
        value: await deps.codec.serialize(deps.topic, 'WebhookSubscription', sub),
        headers: toKafkaHeaders({ eventId: `${sub.subscription_id}:${sub.updated_at}`, contentType: contentTypeFor('WebhookSubscription'), schemaFingerprint: deps.codec.fingerprintHex('WebhookSubscription') })
      }])
      apply(sub.subscription_id, sub)
    },
    async remove (id) {
      await deps.producer.send([{ topic: deps.topic, key: id, value: null }])
      apply(id, undefined)
    }
  }
}
