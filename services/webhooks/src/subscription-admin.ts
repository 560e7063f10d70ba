import type { Kafka } from 'kafkajs'
import { scanTopicToEnd, type WabridgeProducer } from '@wabridge/kafka'
import type { Codec, WebhookSubscription } from '@wabridge/schemas'
import { WebhooksError } from './errors.ts'
import type { RetryStore } from './retry-store.ts'
import type { SubscriptionStore } from './subscription-store.ts'
import { newSubscription, rotateSecret, setEnabled, type SubscriptionInput } from './subscriptions.ts'

export interface SubscriptionAdminDeps {
  store: SubscriptionStore
  retry: Pick<RetryStore, 'park'>
  kafka: Kafka
  codec: Codec
  producer: WabridgeProducer
  failedTopic: string
  /** How long a rotated-out secret keeps signing, ms (WEBHOOKS_SECRET_GRACE_MS). */
  secretGraceMs: number
  now: () => number
}

export interface ReplayFilter {
  /** Only deliveries given up at or after this time, epoch ms. */
  since?: number | undefined
  /** Count only, write nothing. */
  dryRun?: boolean | undefined
}

/** The operations of the HTTP API and of `wabridge subscriptions`. Secrets are returned only by add and rotateSecret. */
export interface SubscriptionAdmin {
  list (): WebhookSubscription[]
  get (id: string): WebhookSubscription
  add (input: SubscriptionInput): Promise<WebhookSubscription>
  remove (id: string): Promise<void>
  /** Adds a new secret; the previous ones keep signing for `graceMs` (default the service's). */
  rotateSecret (id: string, graceMs?: number): Promise<WebhookSubscription>
  setEnabled (id: string, enabled: boolean): Promise<WebhookSubscription>
  /** Sends the subscription's failed deliveries again (same webhook-id), through the retry topic. */
  replay (id: string, filter?: ReplayFilter): Promise<{ scanned: number, replayed: number }>
}

export function createSubscriptionAdmin (deps: SubscriptionAdminDeps): SubscriptionAdmin {
  const get = (id: string) => {
    const sub = deps.store.get(id)
    if (sub === undefined) throw new WebhooksError('WEBHOOKS_NOT_FOUND', `no subscription ${id}`)
    return sub
  }
  return {
    list: () => deps.store.list().sort((a, b) => a.created_at - b.created_at),
    get,
    async add (input) {
      const sub = newSubscription(input, deps.now())
      await deps.store.put(sub)
      return sub
    },
    async remove (id) {
      get(id)
      await deps.store.remove(id)
    },
    async rotateSecret (id, graceMs) {
      const sub = rotateSecret(get(id), deps.now(), graceMs ?? deps.secretGraceMs)
      await deps.store.put(sub)
      return sub
    },
    async setEnabled (id, enabled) {
      const sub = setEnabled(get(id), enabled, deps.now())
      await deps.store.put(sub)
      return sub
    },
    async replay (id, filter = {}) {
      const sub = get(id)
      let replayed = 0
      const scanned = await scanTopicToEnd(deps.kafka, deps.failedTopic, async (message) => {
        if (message.key?.toString('utf8') !== sub.subscription_id || message.value === null) return
        const failed = (await deps.codec.deserialize(message.value, 'WebhookDelivery')).value
        if (filter.since !== undefined && (failed.failed_at ?? 0) < filter.since) return
        replayed++
        if (filter.dryRun === true) return
        // Parked as never tried: the owner of its lane sends it at once, behind what the lane already holds.
        await deps.retry.park({ ...failed, parked_at: deps.now(), first_failed_at: null, failed_at: null, failed_reason: null })
      }, { groupIdPrefix: 'wabridge-webhooks-scan' })
      return { scanned, replayed }
    }
  }
}
