import { toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Alert, type Codec, type WebhookDelivery, type WebhookSubscription } from '@wabridge/schemas'

export interface OutputDeps {
  producer: WabridgeProducer
  codec: Codec
  failedTopic: string
  alertsTopic: string
}

/** Writes what leaves the retry path: given-up deliveries and alerts. */
export interface Outputs {
  /** Keeps a delivery in wa.webhooks.failed (key subscription_id) for replay. */
  failed (delivery: WebhookDelivery, reason: string, now: number): Promise<void>
  /** Raises the alert of an endpoint disabled for failing too long. */
  disabledAlert (sub: WebhookSubscription, failingMs: number, thresholdMs: number, now: number): Promise<void>
}

export const DISABLED_ALERT = 'webhook_endpoint_disabled'

export function createOutputs (deps: OutputDeps): Outputs {
  return {
    async failed (delivery, reason, now) {
      const value: WebhookDelivery = { ...delivery, failed_at: now, failed_reason: reason }
      await deps.producer.send([{
        topic: deps.failedTopic,
        key: delivery.subscription_id,
        value: await deps.codec.serialize(deps.failedTopic, 'WebhookDelivery', value),
        headers: toKafkaHeaders({ eventId: delivery.webhook_id, contentType: contentTypeFor('WebhookDelivery'), schemaFingerprint: deps.codec.fingerprintHex('WebhookDelivery') })
      }])
    },
    async disabledAlert (sub, failingMs, thresholdMs, now) {
      const scope = `webhook_subscription:${sub.subscription_id}`
      const alert: Alert = {
        alert_id: `${DISABLED_ALERT}:${scope}:${now}`,
        name: DISABLED_ALERT,
        scope,
        phone_number_id: sub.phone_number_ids.length === 1 ? sub.phone_number_ids[0]! : null,
        waba_id: null,
        state: 'firing',
        severity: 'critical',
        value: failingMs,
        threshold: thresholdMs,
        message: `webhook endpoint ${sub.url} (${sub.subscription_id}) failed for ${Math.round(failingMs / 60_000)} min and was disabled; ` +
          `its deliveries go to the failed topic: enable it with 'wabridge subscriptions enable ${sub.subscription_id}', then replay`,
        fired_at: now,
        at: now,
        labels: { subscription_id: sub.subscription_id, url: sub.url }
      }
      await deps.producer.send([{
        topic: deps.alertsTopic,
        key: `${DISABLED_ALERT}:${scope}`,
        value: await deps.codec.serialize(deps.alertsTopic, 'Alert', alert),
        headers: toKafkaHeaders({ eventId: alert.alert_id, contentType: contentTypeFor('Alert'), schemaFingerprint: deps.codec.fingerprintHex('Alert') })
      }])
    }
  }
}
